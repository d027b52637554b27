// The anchors page (/anchors/ui): every anchor with its status, root, activity count, block and proof links,
// newest first with keyset paging; also the anchor view the operator page reuses.
import { z } from 'zod';
import type { AnchorRow } from '../../../db/repositories/anchors-repository.js';
import type { Services } from '../../../services/index.js';
import type { AppRouter } from '../../context.js';
import { decodeCursor, encodeCursor } from '../../pagination.js';
import { validate } from '../../validate.js';
import type { Views } from '../../views.js';
import { merkleRoot } from './anchors.schema.js';

const PAGE_SIZE = 25;
const pageQuery = z.object({ cursor: z.string().max(100).optional(), root: merkleRoot.optional(), notice: z.string().max(40).optional() });

/** Fixed messages for what a browser form just did (never text taken from the URL). */
const NOTICES: Record<string, string> = {
  created: 'A new anchor was made from the activities waiting; it is being stamped on the calendars.',
  waiting: 'The batch is waiting for enough calendars to answer; it will show here once stamped.',
  nothing: 'Every activity is already anchored.',
  confirmed: 'The anchor is confirmed on Bitcoin.',
  'still-pending': 'The calendars have no Bitcoin attestation for this anchor yet; try again later.',
};

const STATUS_TEXT: Record<string, { label: string; badge: string }> = {
  created: { label: 'created: waiting for calendars', badge: 'badge' },
  pending: { label: 'pending: stamped, waiting for Bitcoin', badge: 'badge badge-warn' },
  confirmed: { label: 'confirmed on Bitcoin', badge: 'badge badge-ok' },
  invalid: { label: 'invalid', badge: 'badge badge-danger' },
};

/** "5 min", "3 h", "2 d": how long ago, for tables that compare ages at a glance. */
export function age(date: Date, now = Date.now()): string {
  const minutes = Math.max(0, Math.round((now - date.getTime()) / 60_000));
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 48 * 60) return `${Math.round(minutes / 60)} h`;
  return `${Math.round(minutes / 1440)} d`;
}

export function anchorPageView(anchor: AnchorRow, now = Date.now()) {
  const calendars = Object.entries(anchor.calendars ?? {}).map(([url, c]) => ({ url, ...c }));
  const status = STATUS_TEXT[anchor.status] ?? { label: anchor.status, badge: 'badge' };
  return {
    merkle_root: anchor.merkle_root,
    status: anchor.status,
    status_label: status.label,
    badge: status.badge,
    // The first leaf of a chained tree is the previous root, not an activity.
    activities: anchor.leaf_count - (anchor.previous_root ? 1 : 0),
    previous_root: anchor.previous_root,
    bitcoin_block: anchor.bitcoin_block,
    block_time: anchor.block_time?.toISOString() ?? null,
    created_at: anchor.created_at.toISOString(),
    age: age(anchor.created_at, now),
    calendars,
    calendars_ok: calendars.filter((c) => c.status === 'ok').length,
    last_error: anchor.last_error,
    ots_url: `/anchors/${anchor.merkle_root}/ots`,
    tree_url: `/anchors/${anchor.merkle_root}/tree`,
  };
}

export function anchorsPages(router: AppRouter, deps: { services: Services; views: Views }): void {
  const { services, views } = deps;
  const { repos } = services;

  router.get('/anchors/ui', async (ctx) => {
    const query = validate(pageQuery, ctx.query, 'query');
    const before = decodeCursor(query.cursor);
    let rows: AnchorRow[];
    if (query.root) {
      const one = await repos.anchors.find(query.root);
      rows = one ? [one] : [];
    } else {
      rows = await repos.anchors.page(PAGE_SIZE + 1, before);
    }
    const shown = rows.slice(0, PAGE_SIZE);
    const [counts, unanchored] = await Promise.all([repos.anchors.countsByStatus(), repos.anchors.countUnanchored()]);
    await views.page(ctx, 'pages/anchors', {
      title: 'Anchors',
      anchors: shown.map((a) => anchorPageView(a)),
      counts,
      unanchored,
      root: query.root ?? null,
      notice: query.notice ? (NOTICES[query.notice] ?? null) : null,
      first: before !== undefined,
      next: !query.root && rows.length > PAGE_SIZE ? `/anchors/ui?cursor=${encodeCursor(shown[shown.length - 1]!.id)}` : null,
    });
  });
}
