// The asset registry API: register, list, read, change; browsers get the list and asset pages.
import { AppError, NotFound } from '../../../domain/errors.js';
import type { Services } from '../../../services/index.js';
import type { AppRouter } from '../../context.js';
import { requireSession } from '../../middleware/authenticate.js';
import { wantsHtml } from '../../negotiate.js';
import { decodeCursor, nextCursor } from '../../pagination.js';
import { bodyOf, validate } from '../../validate.js';
import type { Views } from '../../views.js';
import { assetName, listAssetsQuery, patchAssetBody, registerAssetBody, uploadFields } from './assets.schema.js';
import { parseRange } from './range.js';
import { receiveUpload } from './upload.js';
import type { AppContext } from '../../context.js';
import type { UserRow } from '../../../db/repositories/users-repository.js';
import { parseContentHash } from '../../../domain/content-hash.js';

export function assetsRoutes(router: AppRouter, deps: { services: Services; views: Views; maxContentBytes: number }): void {
  const { services, views } = deps;
  const { assets, repos } = services;

  router.post('/assets', async (ctx) => {
    const session = await requireSession(ctx);
    if (ctx.is('multipart/form-data')) return upload(ctx, session.user);
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

  /** Registers uploaded bytes: hash computed by the server, stored, then pinned to the owner's providers. */
  async function upload(ctx: AppContext, user: UserRow): Promise<void> {
    const received = await receiveUpload(ctx, services.storage.serverStore, deps.maxContentBytes, (fields) =>
      typeof fields.content_hash === 'string' ? (parseContentHash(fields.content_hash) ?? undefined) : undefined,
    );
    const hash = received.stored.contentHash;
    try {
      const input = validate(uploadFields, { ...received.fields, content_hash: undefined });
      const { asset, created } = await assets.register(user, {
        name: input.name,
        contentHash: hash,
        assetType: input.asset_type,
        tags: input.tags ?? [],
        description: input.description ?? null,
        ipfsCid: null,
        provenance: null,
        l1Server: null,
        runId: null,
        sizeBytes: received.stored.size,
        mediaType: received.mediaType,
      });
      await services.jobs.startPin(hash);
      ctx.status = created ? 201 : 200;
      ctx.set('Location', `/assets/${asset.name}`);
      if (wantsHtml(ctx)) return ctx.redirect(`/asset/${encodeURIComponent(asset.name)}`);
      ctx.body = asset;
    } catch (err) {
      // Keep no bytes that no asset owns.
      if (!(await repos.assets.findByHash(hash))) await services.storage.serverStore.remove(hash);
      throw err;
    }
  }

  router.get('/assets/:name/content', async (ctx) => {
    const name = validate(assetName, ctx.params.name, 'path');
    const row = await repos.assets.findByName(name);
    if (!row) throw new NotFound(`No asset named "${name}".`);
    const pinned = (await repos.storage.pinsFor(row.id)).filter((p) => p.status === 'pinned').map((p) => p.provider_id);
    const providers = (await repos.storage.forUser(row.owner_id)).filter((p) => pinned.includes(p.id));
    const size = (await services.storage.open(row.content_hash, providers))?.size;
    if (size === undefined)
      throw new NotFound(`No copy of "${name}" is held by this server or its owner's providers.`, 'content_unavailable');
    const range = parseRange(ctx.get('Range'), size);
    if (range === 'unsatisfiable') {
      ctx.set('Content-Range', `bytes */${size}`);
      throw new AppError(416, 'range_not_satisfiable', `The requested range is outside the ${size} bytes of this content.`);
    }
    const opened = await services.storage.open(row.content_hash, providers, range ?? undefined);
    if (!opened) throw new NotFound(`No copy of "${name}" is available right now.`, 'content_unavailable');
    ctx.set('Accept-Ranges', 'bytes');
    ctx.set('ETag', `"${row.content_hash}"`);
    ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
    ctx.set('Content-Disposition', `inline; filename="${row.name}"`);
    ctx.type = row.media_type ?? 'application/octet-stream';
    if (range) {
      ctx.status = 206;
      ctx.set('Content-Range', `bytes ${range.start}-${range.end}/${size}`);
      ctx.length = range.end - range.start + 1;
    } else {
      ctx.length = size;
    }
    ctx.body = opened.stream;
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
      pins: (await repos.storage.pinsFor(row.id)).map((p) => ({
        provider: p.provider_name,
        type: p.provider_type,
        status: p.status,
        cid: p.cid,
        error: p.last_error,
      })),
      held: await services.storage.serverStore.has(row.content_hash),
    });
  });
}
