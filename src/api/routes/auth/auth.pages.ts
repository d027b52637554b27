// The browser side of accounts: login, register and logout forms that set or clear the session cookie.
import { AppError } from '../../../domain/errors.js';
import type { AccountsService } from '../../../services/accounts-service.js';
import type { SessionsService } from '../../../services/sessions-service.js';
import type { RenderersService } from '../../../services/renderers-service.js';
import type { AppContext, AppRouter } from '../../context.js';
import { SESSION_COOKIE, cookieOptions } from '../../cookies.js';
import { fieldIssues } from '../../validate.js';
import type { Views } from '../../views.js';
import { loginBody, nextPath, registerBody } from './auth.schema.js';

type Form = Record<string, unknown>;

function formOf(ctx: AppContext): Form {
  const body = ctx.request.body;
  return body && typeof body === 'object' ? (body as Form) : {};
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

export function authPages(
  router: AppRouter,
  deps: { accounts: AccountsService; sessions: SessionsService; renderers: RenderersService; views: Views },
): void {
  const { accounts, sessions, renderers, views } = deps;

  async function startSession(ctx: AppContext, username: string, next: string): Promise<void> {
    const { token, claims } = await sessions.issue(username);
    ctx.cookies.set(SESSION_COOKIE, token, cookieOptions(ctx, claims.expiresAt.getTime() - Date.now()));
    ctx.redirect(next);
  }

  router.get('/login', async (ctx) => {
    await views.page(ctx, 'pages/login', { title: 'Log in', values: {}, next: nextPath.parse(ctx.query.next) });
  });

  router.post('/login', async (ctx) => {
    const form = formOf(ctx);
    const next = nextPath.parse(form.next);
    const values = { username: text(form.username) };
    const parsed = loginBody.safeParse(form);
    if (!parsed.success) {
      return views.page(ctx, 'pages/login', { title: 'Log in', values, next, formError: 'Enter your username and password.' }, 400);
    }
    try {
      const user = await accounts.authenticate(parsed.data.username, parsed.data.password);
      await startSession(ctx, user.username, next);
    } catch (err) {
      if (!(err instanceof AppError) || err.status !== 401) throw err;
      await views.page(ctx, 'pages/login', { title: 'Log in', values, next, formError: err.message }, 401);
    }
  });

  router.get('/register', async (ctx) => {
    await views.page(ctx, 'pages/register', { title: 'Register', values: {} });
  });

  router.post('/register', async (ctx) => {
    const form = formOf(ctx);
    const values = { username: text(form.username), email: text(form.email) };
    const parsed = registerBody.safeParse(form);
    if (!parsed.success) {
      const errors = Object.fromEntries(
        fieldIssues(parsed.error).map((i) => [i.path, `${i.path[0]?.toUpperCase()}${i.path.slice(1)} ${i.message}.`]),
      );
      return views.page(ctx, 'pages/register', { title: 'Register', values, errors, formError: 'Please correct the fields below.' }, 400);
    }
    try {
      const user = await accounts.register(parsed.data);
      await startSession(ctx, user.username, '/');
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      const field = typeof err.details?.field === 'string' ? err.details.field : 'username';
      await views.page(
        ctx,
        'pages/register',
        { title: 'Register', values, errors: { [field]: err.message }, formError: err.message },
        err.status,
      );
    }
  });

  router.get('/logout', async (ctx) => {
    await views.page(ctx, 'pages/logout', { title: 'Log out' });
  });

  router.post('/logout', async (ctx) => {
    const session = await ctx.state.session().catch(() => null);
    if (session) {
      await sessions.revoke(session);
      await renderers.federatedLogout(session.user, session.claims.jti);
    }
    ctx.cookies.set(SESSION_COOKIE, null, cookieOptions(ctx));
    ctx.redirect('/login');
  });
}
