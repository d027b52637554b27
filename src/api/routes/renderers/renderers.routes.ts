// L1 renderers: attach (a token for one L1, then off to its /auth), the /auth/verify L1s call, the list of
// attached L1s, detach, and opaque grants. Browsers get the page back with a refusal next to the field that caused
// it, and a 303 to the page after a change; API clients get JSON as before.
import { AppError } from '../../../domain/errors.js';
import type { RenderersService } from '../../../services/renderers-service.js';
import type { AppContext, AppRouter } from '../../context.js';
import { requireSession } from '../../middleware/authenticate.js';
import { wantsHtml } from '../../negotiate.js';
import { bodyOf, validate } from '../../validate.js';
import type { Views } from '../../views.js';
import { attachQuery, grantId, l1Body, verifyBody } from './renderers.schema.js';

/** The forms of the page, each with the label its errors start with. */
const FORMS = { attach: 'L1 server', grant: 'L1 server', detach: 'L1 server', revoke: 'Token' } as const;
const NOTICES: Record<string, string> = {
  detached: 'Detached: its tokens no longer work here, and the L1 is being told.',
  revoked: 'Token revoked.',
};

/** The first field problem of a validation error, for a message next to one field. */
function l1Problem(err: AppError): string {
  const issues = err.details?.issues as { message: string }[] | undefined;
  return issues?.[0]?.message ?? err.message;
}

export function renderersRoutes(router: AppRouter, deps: { renderers: RenderersService; views: Views }): void {
  const { renderers, views } = deps;

  async function page(ctx: AppContext, extra: Record<string, unknown> = {}, status = 200): Promise<void> {
    const session = await requireSession(ctx);
    const notice = typeof ctx.query.notice === 'string' ? (NOTICES[ctx.query.notice] ?? null) : null;
    await views.page(
      ctx,
      'pages/renderers',
      { title: 'Renderers', errors: {}, values: {}, notice, ...(await renderers.list(session.user)), ...extra },
      status,
    );
  }

  /** A browser's refused form: the page again, the message next to the form's field, the value kept. */
  async function refused(ctx: AppContext, err: unknown, form: keyof typeof FORMS, value: unknown): Promise<void> {
    if (!(err instanceof AppError) || err.status >= 500) throw err;
    const message = err.details?.issues ? `${FORMS[form]} ${l1Problem(err)}` : err.message;
    await page(ctx, { errors: { [form]: message }, values: { [form]: typeof value === 'string' ? value : '' } }, err.status);
  }

  function done(ctx: AppContext, notice: 'detached' | 'revoked'): void {
    ctx.status = 303;
    ctx.redirect(`/renderers?notice=${notice}`);
  }

  router.post('/auth/verify', async (ctx) => {
    const input = validate(verifyBody, bodyOf(ctx));
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await renderers.verify(input.token, input.l1_server);
  });

  router.get('/renderers', async (ctx) => {
    const session = await requireSession(ctx);
    ctx.vary('Accept');
    ctx.set('Cache-Control', 'no-store');
    if (wantsHtml(ctx)) return page(ctx);
    ctx.body = await renderers.list(session.user);
  });

  /** Mints the L1 token and sends the caller to the L1's /auth with it. */
  async function attach(ctx: AppContext, input: unknown, where: 'query' | 'body'): Promise<void> {
    const session = await requireSession(ctx);
    ctx.set('Cache-Control', 'no-store');
    try {
      const { l1 } = validate(attachQuery, input, where);
      if (ctx.method === 'POST') ctx.status = 303;
      ctx.redirect(await renderers.attachUrl(session.user, l1));
    } catch (err) {
      if (!wantsHtml(ctx)) throw err;
      await refused(ctx, err, 'attach', (input as Record<string, unknown> | undefined)?.l1);
    }
  }

  router.get('/renderers/attach', async (ctx) => {
    // A link followed with the session cookie could be planted by another site (cookies are SameSite=Lax), so a
    // browser session only gets the form to confirm; programs with a Bearer token are sent on at once.
    if (ctx.state.authSource === 'cookie') {
      await requireSession(ctx);
      const l1 = typeof ctx.query.l1 === 'string' ? ctx.query.l1 : '';
      ctx.set('Cache-Control', 'no-store');
      return page(ctx, { values: { attach: l1 }, notice: 'Confirm below to attach this L1 to your account.' });
    }
    await attach(ctx, ctx.query, 'query');
  });

  router.post('/renderers/attach', (ctx) => attach(ctx, bodyOf(ctx), 'body'));

  router.post('/renderers/detach', async (ctx) => {
    const session = await requireSession(ctx);
    let result: { l1_server: string; notified: boolean };
    try {
      const { l1_server } = validate(l1Body, bodyOf(ctx));
      result = await renderers.detach(session.user, l1_server);
    } catch (err) {
      if (!wantsHtml(ctx)) throw err;
      return refused(ctx, err, 'detach', (ctx.request.body as Record<string, unknown> | undefined)?.l1_server);
    }
    if (wantsHtml(ctx)) return done(ctx, 'detached');
    ctx.body = { detached: true, ...result };
  });

  router.post('/renderers/grants', async (ctx) => {
    const session = await requireSession(ctx);
    let grant: { token: string; l1_server: string; expires_at: string };
    try {
      const { l1_server } = validate(l1Body, bodyOf(ctx));
      grant = await renderers.createGrant(session.user, l1_server);
    } catch (err) {
      if (!wantsHtml(ctx)) throw err;
      return refused(ctx, err, 'grant', (ctx.request.body as Record<string, unknown> | undefined)?.l1_server);
    }
    ctx.set('Cache-Control', 'no-store');
    // The token is shown once: only its hash is kept.
    if (wantsHtml(ctx)) return page(ctx, { newGrant: grant }, 201);
    ctx.status = 201;
    ctx.body = grant;
  });

  router.delete('/renderers/grants/:id', async (ctx) => {
    const session = await requireSession(ctx);
    await renderers.revokeGrant(session.user, validate(grantId, ctx.params.id, 'path'));
    ctx.status = 204;
  });

  router.post('/renderers/grants/:id/revoke', async (ctx) => {
    const session = await requireSession(ctx);
    try {
      await renderers.revokeGrant(session.user, validate(grantId, ctx.params.id, 'path'));
    } catch (err) {
      if (!wantsHtml(ctx)) throw err;
      return refused(ctx, err, 'revoke', ctx.params.id);
    }
    if (wantsHtml(ctx)) return done(ctx, 'revoked');
    ctx.body = { revoked: true };
  });
}
