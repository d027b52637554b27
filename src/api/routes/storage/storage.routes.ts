// Storage providers (seed endpoints): list (HTML and JSON), add by JSON, read, change, delete and test the
// connection. The forms, fragments and confirmation pages browsers use are in storage.pages.ts.
import type { Services } from '../../../services/index.js';
import type { AppRouter } from '../../context.js';
import { requireSession } from '../../middleware/authenticate.js';
import { wantsHtml } from '../../negotiate.js';
import { bodyOf, validate } from '../../validate.js';
import type { Views } from '../../views.js';
import { idParam, renderStorage, storagePages } from './storage.pages.js';
import { patchedSettings, providerInput, providerPatch } from './storage.schema.js';

export function storageRoutes(router: AppRouter, deps: { services: Services; views: Views }): void {
  const { storage } = deps.services;
  const { views } = deps;

  // First: their fixed paths (/storage/type/...) must not be read as provider ids.
  storagePages(router, deps);

  router.get('/storage', async (ctx) => {
    const session = await requireSession(ctx);
    ctx.vary('Accept');
    if (wantsHtml(ctx)) return renderStorage(ctx, deps);
    ctx.body = { providers: await storage.list(session.user.id) };
  });

  router.post('/storage/add', async (ctx) => {
    const session = await requireSession(ctx);
    const input = validate(providerInput, bodyOf(ctx));
    ctx.status = 201;
    ctx.body = await storage.create(session.user.id, input);
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
    const row = await storage.owned(session.user.id, id);
    const checked = validate(
      patchedSettings(row.provider_type),
      { config: patch.config && { ...row.config, ...patch.config }, secrets: patch.secrets },
      'body',
    );
    ctx.body = await storage.update(session.user.id, id, { ...patch, config: checked.config, secrets: checked.secrets });
  });

  router.delete('/storage/:id', async (ctx) => {
    const session = await requireSession(ctx);
    await storage.remove(session.user.id, validate(idParam, ctx.params.id, 'path'));
    ctx.status = 204;
  });

  router.post('/storage/:id/test', async (ctx) => {
    const session = await requireSession(ctx);
    const id = validate(idParam, ctx.params.id, 'path');
    const diagnosis = await storage.test(session.user.id, id);
    ctx.vary('Accept');
    if (ctx.get('HX-Request')) {
      // HTMX swaps this into the provider's row.
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = await views.fragment('partials/storage-test', { diagnosis });
      return;
    }
    // A browser without JavaScript gets the whole page with the result in the row.
    if (wantsHtml(ctx)) return renderStorage(ctx, deps, { tested: { id, diagnosis } });
    ctx.body = diagnosis;
  });
}
