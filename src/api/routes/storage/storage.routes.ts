// Storage providers (seed endpoints): list (HTML and JSON), add by form or JSON, read, change, delete,
// test the connection, and the per-type form fragments the page swaps in with HTMX.
import { z } from 'zod';
import { AppError, NotFound } from '../../../domain/errors.js';
import type { Services } from '../../../services/index.js';
import type { AppContext, AppRouter } from '../../context.js';
import { requireSession } from '../../middleware/authenticate.js';
import { wantsHtml } from '../../negotiate.js';
import { bodyOf, fieldIssues, validate } from '../../validate.js';
import type { Views } from '../../views.js';
import { fromForm, providerInput, providerPatch } from './storage.schema.js';

const idParam = z.coerce.number({ error: 'must be a provider id' }).int().positive({ error: 'must be a provider id' });
const TYPES = ['local', 's3', 'ipfs'] as const;

export function storageRoutes(router: AppRouter, deps: { services: Services; views: Views }): void {
  const { storage } = deps.services;
  const { views } = deps;

  async function page(
    ctx: AppContext,
    status = 200,
    form?: { values: Record<string, unknown>; errors: Record<string, string>; type: string },
  ) {
    const session = await requireSession(ctx);
    await views.page(
      ctx,
      'pages/storage',
      {
        title: 'Storage',
        providers: await storage.list(session.user.id),
        form: form ?? { values: {}, errors: {}, type: 'local' },
        types: TYPES,
      },
      status,
    );
  }

  router.get('/storage', async (ctx) => {
    const session = await requireSession(ctx);
    ctx.vary('Accept');
    if (wantsHtml(ctx)) return page(ctx);
    ctx.body = { providers: await storage.list(session.user.id) };
  });

  router.post('/storage/add', async (ctx) => {
    const session = await requireSession(ctx);
    const input = validate(providerInput, bodyOf(ctx));
    ctx.status = 201;
    ctx.body = await storage.create(session.user.id, input);
  });

  router.post('/storage', async (ctx) => {
    const session = await requireSession(ctx);
    const form = (ctx.request.body ?? {}) as Record<string, unknown>;
    const parsed = providerInput.safeParse(fromForm(form));
    const values = Object.fromEntries(Object.entries(form).filter(([k]) => !['_csrf', 'secret_access_key', 'authorization'].includes(k)));
    const type = typeof form.type === 'string' ? form.type : 'local';
    if (!parsed.success) {
      const errors = Object.fromEntries(fieldIssues(parsed.error).map((i) => [i.path.split('.').pop()!, i.message]));
      return page(ctx, 400, { values, errors, type });
    }
    try {
      await storage.create(session.user.id, parsed.data);
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      const field = typeof err.details?.field === 'string' ? err.details.field.split('.').pop()! : 'name';
      return page(ctx, err.status, { values, errors: { [field]: err.message }, type });
    }
    ctx.redirect('/storage');
  });

  // /storage/type/s3 as in the seed; /storage/type?type=s3 is what an HTMX select sends.
  router.get(['/storage/type/:type', '/storage/type'], async (ctx) => {
    const type = String(ctx.params.type ?? ctx.query.type ?? '');
    if (!(TYPES as readonly string[]).includes(type)) throw new NotFound(`No storage type "${type}": use local, s3 or ipfs.`);
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = await views.fragment(`partials/storage-${type}`, { values: {}, errors: {} });
  });

  router.get('/storage/:id', async (ctx) => {
    const session = await requireSession(ctx);
    const id = validate(idParam, ctx.params.id, 'path');
    ctx.body = storage.view(await storage.owned(session.user.id, id));
  });

  router.patch('/storage/:id', async (ctx) => {
    const session = await requireSession(ctx);
    const id = validate(idParam, ctx.params.id, 'path');
    const patch = validate(providerPatch, bodyOf(ctx));
    ctx.body = await storage.update(session.user.id, id, patch);
  });

  router.delete('/storage/:id', async (ctx) => {
    const session = await requireSession(ctx);
    await storage.remove(session.user.id, validate(idParam, ctx.params.id, 'path'));
    ctx.status = 204;
  });

  router.post('/storage/:id/test', async (ctx) => {
    const session = await requireSession(ctx);
    const diagnosis = await storage.test(session.user.id, validate(idParam, ctx.params.id, 'path'));
    if (ctx.get('HX-Request')) {
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = await views.fragment('partials/storage-test', { diagnosis });
      return;
    }
    ctx.body = diagnosis;
  });
}
