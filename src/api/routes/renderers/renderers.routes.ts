// L1 renderers: attach (a token for one L1, then off to its /auth), the /auth/verify L1s call, the list of
// attached L1s, detach, and opaque grants.
import { z } from 'zod';
import type { RenderersService } from '../../../services/renderers-service.js';
import type { AppContext, AppRouter } from '../../context.js';
import { requireSession } from '../../middleware/authenticate.js';
import { wantsHtml } from '../../negotiate.js';
import { bodyOf, validate } from '../../validate.js';
import type { Views } from '../../views.js';

const l1Field = z.string({ error: 'is required (the L1 server URL)' }).min(1, { error: 'is required (the L1 server URL)' }).max(2000);

const verifyBody = z.object(
  {
    token: z
      .string({ error: 'is required (the token the user brought)' })
      .min(1, { error: 'is required' })
      .max(8192, { error: 'is too long' }),
    l1_server: l1Field,
  },
  { error: 'must be an object with token and l1_server' },
);
const l1Body = z.object({ l1_server: l1Field }, { error: 'must be an object with l1_server' });
const attachQuery = z.object({ l1: l1Field });
const grantId = z.coerce.number({ error: 'must be a grant id' }).int().positive({ error: 'must be a grant id' });

export function renderersRoutes(router: AppRouter, deps: { renderers: RenderersService; views: Views }): void {
  const { renderers, views } = deps;

  async function page(ctx: AppContext, extra: Record<string, unknown> = {}, status = 200): Promise<void> {
    const session = await requireSession(ctx);
    await views.page(ctx, 'pages/renderers', { title: 'Renderers', ...(await renderers.list(session.user)), ...extra }, status);
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

  router.get('/renderers/attach', async (ctx) => {
    const session = await requireSession(ctx);
    const { l1 } = validate(attachQuery, ctx.query, 'query');
    ctx.set('Cache-Control', 'no-store');
    ctx.redirect(await renderers.attachUrl(session.user, l1));
  });

  router.post('/renderers/detach', async (ctx) => {
    const session = await requireSession(ctx);
    const { l1_server } = validate(l1Body, bodyOf(ctx));
    const result = await renderers.detach(session.user, l1_server);
    if (wantsHtml(ctx)) return ctx.redirect('/renderers');
    ctx.body = { detached: true, ...result };
  });

  router.post('/renderers/grants', async (ctx) => {
    const session = await requireSession(ctx);
    const { l1_server } = validate(l1Body, bodyOf(ctx));
    const grant = await renderers.createGrant(session.user, l1_server);
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
    await renderers.revokeGrant(session.user, validate(grantId, ctx.params.id, 'path'));
    if (wantsHtml(ctx)) return ctx.redirect('/renderers');
    ctx.body = { revoked: true };
  });
}
