// Device authorization (RFC 8628) for the CLI: the two OAuth endpoints a device calls (answering in OAuth's
// error format), and the /device page where a signed-in user approves or denies a code.
import { AppError } from '../../../domain/errors.js';
import { DeviceTokenRefused, type DeviceAuthService } from '../../../services/device-auth-service.js';
import type { AppContext, AppRouter } from '../../context.js';
import type { Views } from '../../views.js';
import { codeBody, DEVICE_GRANT_TYPE, tokenBody } from './device.schema.js';

/** RFC 6749 §5.2: `{error, error_description}` with 400 (401 for client problems). */
function oauthError(ctx: AppContext, error: string, description: string, extra: Record<string, unknown> = {}): void {
  ctx.status = 400;
  ctx.set('Cache-Control', 'no-store');
  ctx.body = { error, error_description: description, ...extra };
}

function formOf(ctx: AppContext): Record<string, unknown> {
  const body = ctx.request.body;
  return body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
}

export function deviceRoutes(router: AppRouter, deps: { deviceAuth: DeviceAuthService; views: Views }): void {
  const { deviceAuth, views } = deps;

  router.post('/auth/device/code', async (ctx) => {
    const parsed = codeBody.safeParse(formOf(ctx));
    if (!parsed.success) return oauthError(ctx, 'invalid_request', parsed.error.issues.map((i) => i.message).join('; '));
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await deviceAuth.start(parsed.data.client_id);
  });

  router.post('/auth/device/token', async (ctx) => {
    const form = formOf(ctx);
    if (form.grant_type !== undefined && form.grant_type !== DEVICE_GRANT_TYPE) {
      return oauthError(ctx, 'unsupported_grant_type', `This endpoint only serves grant_type ${DEVICE_GRANT_TYPE}.`);
    }
    const parsed = tokenBody.safeParse(form);
    if (!parsed.success) return oauthError(ctx, 'invalid_request', parsed.error.issues.map((i) => i.message).join('; '));
    try {
      ctx.set('Cache-Control', 'no-store');
      ctx.body = await deviceAuth.poll(parsed.data.device_code, parsed.data.client_id);
    } catch (err) {
      if (!(err instanceof DeviceTokenRefused)) throw err;
      oauthError(ctx, err.error, err.description, err.interval ? { interval: err.interval } : {});
    }
  });

  async function devicePage(ctx: AppContext, data: Record<string, unknown>, status = 200): Promise<void> {
    await views.page(ctx, 'pages/device', { title: 'Connect a device', code: '', ...data }, status);
  }

  /** Signed-out browsers go to the login page and come back with their code. */
  async function signedIn(ctx: AppContext, code: string) {
    const session = await ctx.state.session().catch(() => null);
    if (!session) {
      const back = code ? `/device?code=${encodeURIComponent(code)}` : '/device';
      ctx.redirect(`/login?next=${encodeURIComponent(back)}`);
    }
    return session;
  }

  router.get('/device', async (ctx) => {
    const code = typeof ctx.query.code === 'string' ? ctx.query.code.trim() : '';
    const session = await signedIn(ctx, code);
    if (!session) return;
    ctx.set('Cache-Control', 'no-store');
    if (!code) return devicePage(ctx, {});
    try {
      const pending = await deviceAuth.pending(session.user, code);
      await devicePage(ctx, {
        confirm: { user_code: pending.user_code, client_id: pending.client_id, created_at: pending.created_at.toISOString() },
      });
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      if (err.headers) for (const [name, value] of Object.entries(err.headers)) ctx.set(name, value);
      await devicePage(ctx, { code, formError: err.message }, err.status);
    }
  });

  router.post('/device', async (ctx) => {
    const form = formOf(ctx);
    const code = typeof form.user_code === 'string' ? form.user_code.trim() : '';
    const session = await signedIn(ctx, code);
    if (!session) return;
    ctx.set('Cache-Control', 'no-store');
    if (form.action !== 'approve' && form.action !== 'deny') {
      return devicePage(ctx, { code, formError: 'Choose Approve or Deny.' }, 400);
    }
    try {
      const decided = await deviceAuth.decide(session.user, code, form.action === 'approve');
      await devicePage(ctx, { done: { user_code: decided.user_code, approved: form.action === 'approve' } });
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      if (err.headers) for (const [name, value] of Object.entries(err.headers)) ctx.set(name, value);
      await devicePage(ctx, { code, formError: err.message }, err.status);
    }
  });
}
