// The asset registry API: register, list, read, change; browsers get the list and asset pages.
import { AppError, BadRequest, NotFound } from '../../../domain/errors.js';
import type { Services } from '../../../services/index.js';
import type { AppRouter } from '../../context.js';
import { requireSession } from '../../middleware/authenticate.js';
import { wantsHtml } from '../../negotiate.js';
import { bodyOf, fieldIssues, validate } from '../../validate.js';
import { assetListModel, errorsByField, filterValues, wantsResultsFragment, withoutBlanks } from '../../pages/asset-list.js';
import { keysetBounds, keysetPage } from '../../pages/keyset-page.js';
import type { Views } from '../../views.js';
import { assetName, listAssetsQuery, patchAssetBody, registerAssetBody, uploadFields } from './assets.schema.js';
import { runLookupQuery } from './jobs.schema.js';
import { CONTENT_SECURITY_POLICY, contentHeaders } from './content-headers.js';
import { parseRange } from './range.js';
import { receiveUpload } from './upload.js';
import { UploadForm } from './upload-form.js';
import { assetsPages } from './assets.pages.js';
import type { AppContext } from '../../context.js';
import type { UserRow } from '../../../db/repositories/users-repository.js';
import { parseContentHash } from '../../../domain/content-hash.js';

export function assetsRoutes(router: AppRouter, deps: { services: Services; views: Views; maxContentBytes: number }): void {
  const { services, views } = deps;
  const { assets, repos } = services;
  const uploadForm = new UploadForm(services, views, deps.maxContentBytes);
  assetsPages(router, { services, views, uploadForm });

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
    if (wantsHtml(ctx)) return uploadForm.submit(ctx, user);
    const received = await receiveUpload(ctx, services.storage.serverStore, deps.maxContentBytes, (fields) =>
      typeof fields.content_hash === 'string' ? (parseContentHash(fields.content_hash) ?? undefined) : undefined,
    );
    if (!received.stored) {
      throw new BadRequest('The upload has no file: send the content in a "file" field, with a filename.', undefined, 'missing_file');
    }
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
    const served = contentHeaders(row.media_type, row.name);
    ctx.set('Content-Disposition', served.disposition);
    ctx.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    ctx.type = served.type;
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
    ctx.vary('Accept');
    ctx.vary('HX-Request');
    const browser = wantsHtml(ctx) || ctx.get('HX-Request') === 'true';
    const filters = filterValues(ctx.query);
    const parsed = listAssetsQuery.safeParse(withoutBlanks(ctx.query));
    if (!parsed.success) {
      if (!browser) validate(listAssetsQuery, withoutBlanks(ctx.query), 'query');
      return listPage(ctx, assetListModel(filters, null, errorsByField(fieldIssues(parsed.error))), 400);
    }
    const query = parsed.data;
    let bounds;
    try {
      bounds = keysetBounds(query);
    } catch (err) {
      if (!browser || !(err instanceof AppError)) throw err;
      return listPage(ctx, assetListModel(filters, null, { cursor: 'This page link is broken: start again from the first page.' }), 400);
    }
    const rows = await repos.assets.list({
      ...bounds,
      ownerUsername: query.owner,
      assetType: query.asset_type,
      tag: query.tag,
      search: query.q,
    });
    const page = keysetPage(rows, query, bounds);
    const items = page.rows.map((row) => assets.view(row));
    if (browser) return listPage(ctx, assetListModel(filters, { ...page, rows: items }));
    ctx.body = { items, next_cursor: page.older };
  });

  /** The whole page, or for HTMX only the results region (a bad query makes HTMX load the whole page, which shows it). */
  async function listPage(ctx: AppContext, model: ReturnType<typeof assetListModel>, status = 200): Promise<void> {
    if (!wantsResultsFragment(ctx)) return views.page(ctx, 'pages/assets', model, status);
    if (status !== 200) {
      ctx.set('HX-Redirect', ctx.originalUrl);
      ctx.status = status;
      ctx.body = 'Invalid filters: load the whole page to see which.';
      return;
    }
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = await views.fragment('partials/asset-results', model);
  }

  router.get('/assets/by-run-id/:runId', async (ctx) => {
    const { l1_server: l1 } = validate(runLookupQuery, ctx.query, 'query');
    const row = await repos.assets.findByRun(l1 ?? null, ctx.params.runId!);
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
}
