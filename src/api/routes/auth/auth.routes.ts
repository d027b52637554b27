// The JSON account API: register, log in, who am I, log out.
import type { UserRow } from '../../../db/repositories/users-repository.js';
import type { AccountsService } from '../../../services/accounts-service.js';
import type { SessionsService } from '../../../services/sessions-service.js';
import type { RenderersService } from '../../../services/renderers-service.js';
import type { AppRouter } from '../../context.js';
import { SESSION_COOKIE, cookieOptions } from '../../cookies.js';
import { requireSession } from '../../middleware/authenticate.js';
import { bodyOf, validate } from '../../validate.js';
import { changePasswordBody, loginBody, registerBody } from './auth.schema.js';

export interface AccountView {
  username: string;
  actor_id: string;
  handle: string;
  email: string | null;
  display_name: string | null;
  is_operator: boolean;
  created_at: string;
}

export function accountView(user: UserRow, instance: { publicUrl: string; domain: string }): AccountView {
  return {
    username: user.username,
    actor_id: `${instance.publicUrl}/users/${user.username}`,
    handle: `@${user.username}@${instance.domain}`,
    email: user.email,
    display_name: user.display_name,
    is_operator: user.is_operator,
    created_at: user.created_at.toISOString(),
  };
}

export function authRoutes(
  router: AppRouter,
  deps: {
    accounts: AccountsService;
    sessions: SessionsService;
    renderers: RenderersService;
    instance: { publicUrl: string; domain: string };
  },
): void {
  const { accounts, sessions, renderers, instance } = deps;

  router.post('/auth/register', async (ctx) => {
    const input = validate(registerBody, bodyOf(ctx));
    const user = await accounts.register(input);
    ctx.status = 201;
    ctx.set('Location', `/users/${user.username}`);
    ctx.body = accountView(user, instance);
  });

  router.post('/auth/login', async (ctx) => {
    const input = validate(loginBody, bodyOf(ctx));
    const user = await accounts.authenticate(input.username, input.password);
    const { token, claims } = await sessions.issue(user.username);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = {
      access_token: token,
      token_type: 'bearer',
      expires_at: claims.expiresAt.toISOString(),
      expires_in: Math.round((claims.expiresAt.getTime() - Date.now()) / 1000),
      username: user.username,
    };
  });

  router.get('/auth/me', async (ctx) => {
    const session = await requireSession(ctx);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { ...accountView(session.user, instance), token_expires_at: session.claims.expiresAt.toISOString() };
  });

  router.post('/auth/password', async (ctx) => {
    const session = await requireSession(ctx);
    const input = validate(changePasswordBody, bodyOf(ctx));
    await accounts.changePassword(session.user, input.current_password, input.new_password);
    ctx.body = { changed: true };
  });

  router.post('/auth/logout', async (ctx) => {
    const session = await requireSession(ctx);
    await sessions.revoke(session);
    if (ctx.state.authSource === 'cookie') ctx.cookies.set(SESSION_COOKIE, null, cookieOptions(ctx));
    const l1s = await renderers.federatedLogout(session.user, session.claims.jti);
    ctx.body = { revoked: true, jti: session.claims.jti, l1_servers_notified: l1s };
  });
}
