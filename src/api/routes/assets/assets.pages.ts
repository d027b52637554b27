// Browser pages of the asset registry: the upload form, an asset's page, and its history fragment that HTMX
// polls until every anchor is settled.
import { NotFound } from '../../../domain/errors.js';
import type { AssetRow } from '../../../db/repositories/assets-repository.js';
import type { Services } from '../../../services/index.js';
import type { AppContext, AppRouter } from '../../context.js';
import { wantsHtml } from '../../negotiate.js';
import { assetAnchors, assetPageModel } from '../../pages/asset-page.js';
import type { Views } from '../../views.js';
import { assetName } from './assets.schema.js';
import type { UploadForm } from './upload-form.js';

export function assetsPages(router: AppRouter, deps: { services: Services; views: Views; uploadForm: UploadForm }): void {
  const { services, views, uploadForm } = deps;

  async function assetFor(ctx: AppContext): Promise<AssetRow> {
    const parsed = assetName.safeParse(ctx.params.name);
    const row = parsed.success ? await services.repos.assets.findByName(parsed.data) : null;
    if (!row) throw new NotFound(`No asset named "${ctx.params.name}".`);
    return row;
  }

  // Registered before GET /assets/:name: programs asking for an asset called "new" still get it.
  router.get('/assets/new', async (ctx, next) => {
    if (!wantsHtml(ctx)) return next();
    const session = await ctx.state.session().catch(() => null);
    if (!session) return ctx.redirect(`/login?next=${encodeURIComponent('/assets/new')}`);
    await uploadForm.show(ctx);
  });

  router.get('/asset/:name', async (ctx) => {
    const row = await assetFor(ctx);
    await views.page(ctx, 'pages/asset', await assetPageModel(services, row));
  });

  /** The history table alone, for HTMX; a poll that already shows the current state gets 204 (nothing to swap). */
  router.get('/asset/:name/anchor', async (ctx) => {
    const row = await assetFor(ctx);
    ctx.vary('Accept');
    ctx.vary('HX-Request');
    if (ctx.get('HX-Request') !== 'true' && wantsHtml(ctx)) return ctx.redirect(`/asset/${encodeURIComponent(row.name)}#history`);
    const history = await assetAnchors(services, row);
    ctx.set('Cache-Control', 'no-store');
    if (ctx.query.state === history.state) {
      ctx.status = 204;
      return;
    }
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = await views.fragment('partials/asset-anchor', { name: row.name, history });
  });
}
