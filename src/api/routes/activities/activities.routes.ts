// Activities exactly as signed (by id, uuid or sequence number), their pages, and the objects they announce.
import { NotFound } from '../../../domain/errors.js';
import { parseContentHash } from '../../../domain/content-hash.js';
import { assetObject, objectUrl } from '../../../domain/activity-streams.js';
import type { ActivityRow } from '../../../db/repositories/activities-repository.js';
import type { Services } from '../../../services/index.js';
import type { AppContext, AppRouter } from '../../context.js';
import { wantsHtml } from '../../negotiate.js';
import { ACTIVITY_TYPES, listActivitiesQuery } from './activities.schema.js';
import { activityPageModel } from '../../pages/activity-page.js';
import { activityJson, activitySummary } from '../../pages/activity-summary.js';
import { withoutBlanks } from '../../pages/asset-list.js';
import { keysetBounds, keysetPage } from '../../pages/keyset-page.js';
import { validate } from '../../validate.js';
import type { Views } from '../../views.js';

export const ACTIVITY_JSON = 'application/activity+json';

/** Serves the stored bytes untouched: anchors and proofs are computed over exactly these. */
function sendRaw(ctx: AppContext, row: ActivityRow): void {
  ctx.vary('Accept');
  ctx.type = ACTIVITY_JSON;
  ctx.set('Cache-Control', 'public, max-age=3600');
  ctx.body = row.raw;
}

export function activitiesRoutes(router: AppRouter, deps: { services: Services; views: Views }): void {
  const { services, views } = deps;
  const { repos } = services;

  async function byRef(ref: string): Promise<ActivityRow> {
    const row = await repos.activities.findByRef(ref);
    if (!row) throw new NotFound(`No activity "${ref}": use its id, its uuid or its sequence number.`);
    return row;
  }

  async function page(ctx: AppContext, row: ActivityRow): Promise<void> {
    ctx.vary('Accept');
    await views.page(ctx, 'pages/activity', await activityPageModel(repos, row, services.instance));
  }

  router.get('/activities', async (ctx) => {
    ctx.vary('Accept');
    const query = validate(listActivitiesQuery, withoutBlanks(ctx.query), 'query');
    const bounds = keysetBounds(query);
    const rows = await repos.activities.list({ ...bounds, activityType: query.type });
    const page = keysetPage(rows, query, bounds);
    if (!wantsHtml(ctx)) {
      ctx.body = { items: page.rows.map(activityJson), next_cursor: page.older };
      return;
    }
    const href = (cursor: Record<string, string>) =>
      `/activities?${new URLSearchParams({ ...(query.type ? { type: query.type } : {}), ...(ctx.query.limit ? { limit: String(query.limit) } : {}), ...cursor })}`;
    await views.page(ctx, 'pages/activities', {
      title: 'Activities',
      items: page.rows.map((row) => activitySummary(row, services.instance)),
      type: query.type ?? '',
      types: ACTIVITY_TYPES,
      olderHref: page.older ? href({ cursor: page.older }) : null,
      newerHref: page.newer ? href({ after: page.newer }) : null,
    });
  });

  // Browsers get the page, unless a link on it asks for the exact bytes (?format=raw).
  for (const path of ['/activities/:ref', '/activity/:ref']) {
    router.get(path, async (ctx) => {
      const row = await byRef(ctx.params.ref!);
      if (wantsHtml(ctx) && ctx.query.format !== 'raw') return page(ctx, row);
      sendRaw(ctx, row);
    });
  }

  router.get('/objects/:hash', async (ctx) => {
    const hash = parseContentHash(ctx.params.hash);
    const row = hash ? await repos.assets.findByHash(hash) : null;
    if (!row) throw new NotFound(`No object with content hash "${ctx.params.hash}".`);
    ctx.vary('Accept');
    if (wantsHtml(ctx)) return ctx.redirect(`/asset/${encodeURIComponent(row.name)}`);
    const history = await repos.activities.forObject(objectUrl(services.instance, row.content_hash));
    const updated = history.length > 1 ? history[history.length - 1]!.published_at.toISOString() : undefined;
    ctx.type = ACTIVITY_JSON;
    ctx.body = {
      '@context': JSON.parse(history[0]!.raw)['@context'],
      ...assetObject(services.instance, {
        name: row.name,
        contentHash: row.content_hash,
        assetType: row.asset_type,
        ownerUsername: row.owner_username,
        description: row.description,
        tags: row.tags,
        ipfsCid: row.ipfs_cid,
        mediaType: row.media_type,
        provenance: row.provenance,
        published: row.created_at.toISOString(),
        updated,
      }),
    };
  });
}
