// Finds the caller's credentials (Bearer header first, then the session cookie); resolves them only when asked.
import type { Middleware } from 'koa';
import { Unauthorized } from '../../domain/errors.js';
import type { Session, SessionsService } from '../../services/sessions-service.js';
import type { AppContext, AppState } from '../context.js';
import { SESSION_COOKIE } from '../cookies.js';

const BEARER = /^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i;

export function authenticate(sessions: SessionsService): Middleware<AppState> {
  return async (ctx, next) => {
    const header = ctx.get('Authorization');
    const cookie = header ? undefined : ctx.cookies.get(SESSION_COOKIE);
    ctx.state.authSource = header ? 'bearer' : cookie ? 'cookie' : null;
    let memo: Promise<Session | null> | undefined;
    ctx.state.session = () => {
      memo ??= (async () => {
        if (header) {
          const match = BEARER.exec(header);
          if (!match) throw new Unauthorized('Authorization header must be "Bearer <token>".', 'malformed_authorization');
          return await sessions.resolve(match[1]!);
        }
        return cookie ? await sessions.resolve(cookie) : null;
      })().then((session) => (ctx.state.resolvedSession = session));
      return memo;
    };
    await next();
  };
}

/** The caller's session, or a 401 that says what to do. */
export async function requireSession(ctx: AppContext): Promise<Session> {
  const session = await ctx.state.session();
  if (!session) throw new Unauthorized();
  return session;
}
