// The asset registry API: register, list, read, change; browsers get the list and asset pages.
import { NotFound } from '../../../domain/errors.js';
import type { Services } from '../../../services/index.js';
import type { AppRouter } from '../../context.js';
import { requireSession } from '../../middleware/authenticate.js';
import { wantsHtml } from '../../negotiate.js';
import { decodeCursor, nextCursor } from '../../pagination.js';
import { bodyOf, validate } from '../../validate.js';
import type { Views } from '../../views.js';
import { assetName, listAssetsQuery, patchAssetBody, registerAssetBody } from './assets.schema.js';

export function assetsRoutes(router: AppRouter, deps: { services: Services; views: Views }): void {
  const { services, views } = deps;
  const { assets, repos } = services;

  router.post('/assets', async (ctx) => {
    const session = await requireSession(ctx);
    const input = validate(registerAssetBody, bodyOf(ctx));
    const { asset, created } = await assets.register(session.user, {
      name: input.name,
      contentHash: input.content_hash,
      assetType: input.asset_type,
      tags: input.tags ?? [],
      description: input.description ?? null,
      ipfsCid: input.ipfs_cid ?? null,
      provenance: null,
      l1Server: null,
      runId: null,
      sizeBytes: null,
      mediaType: null,
    });
    ctx.status = created ? 201 : 200;
    ctx.set('Location', `/assets/${asset.name}`);
    ctx.body = asset;
  });

  router.get('/assets', async (ctx) => {
    const query = validate(listAssetsQuery, ctx.query, 'query');
    let ownerId: number | undefined;
    if (query.owner) {
      const owner = await repos.users.findByUsername(query.owner);
      // An unknown owner has no assets; answer an empty page rather than 404 so filters compose.
      ownerId = owner ? owner.id : -1;
    }
    const rows = await repos.assets.list({
      limit: query.limit,
      beforeId: decodeCursor(query.cursor),
      ownerId,
      assetType: query.asset_type,
      tag: query.tag,
    });
    const items = rows.map((row) => assets.view(row));
    const next = nextCursor(rows, query.limit);
    ctx.vary('Accept');
    if (wantsHtml(ctx)) return views.page(ctx, 'pages/assets', { title: 'Assets', items, next, query });
    ctx.body = { items, next_cursor: next };
  });

  router.get('/assets/by-run-id/:runId', async (ctx) => {
    const l1 = typeof ctx.query.l1_server === 'string' ? new URL(ctx.query.l1_server).origin : null;
    const row = await repos.assets.findByRun(l1, ctx.params.runId!);
    if (!row) throw new NotFound(`No asset was recorded from run "${ctx.params.runId}".`);
    ctx.body = assets.view(row);
  });

  router.get('/assets/:name', async (ctx) => {
    const name = validate(assetName, ctx.params.name, 'path');
    const row = await repos.assets.findByName(name);
    if (!row) throw new NotFound(`No asset named "${name}".`);
    ctx.vary('Accept');
    if (wantsHtml(ctx)) return ctx.redirect(`/asset/${encodeURIComponent(name)}`);
    ctx.body = assets.view(row);
  });

  router.patch('/assets/:name', async (ctx) => {
    const session = await requireSession(ctx);
    const name = validate(assetName, ctx.params.name, 'path');
    const input = validate(patchAssetBody, bodyOf(ctx));
    ctx.body = await assets.update(session.user, name, { description: input.description, tags: input.tags, assetType: input.asset_type });
  });

  router.get('/asset/:name', async (ctx) => {
    const row = await repos.assets.findByName(ctx.params.name!);
    if (!row) throw new NotFound(`No asset named "${ctx.params.name}".`);
    const history = await repos.activities.forAsset(row.id);
    await views.page(ctx, 'pages/asset', {
      title: row.name,
      asset: assets.view(row),
      history: history.map((a) => ({ uuid: a.uuid, type: a.activity_type, index: a.id, published: a.published_at.toISOString() })),
    });
  });
}
