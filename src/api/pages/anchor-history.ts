// The activities of an asset with where each one's anchor stands: the asset page's history table, which HTMX
// re-fetches while any anchor is still on its way to Bitcoin.
import { createHash } from 'node:crypto';
import type { ActivityRow } from '../../db/repositories/activities-repository.js';
import type { ActivityAnchorStatus } from '../../db/repositories/anchors-repository.js';

export interface AnchorView {
  status: ActivityAnchorStatus['status'];
  /** Words for the status, so it is never told by colour alone. */
  label: string;
  merkle_root: string;
  bitcoin_block: number | null;
  block_time: string | null;
  proof_href: string;
  verify_href: string;
}

export interface HistoryRow {
  uuid: string;
  index: number;
  type: string;
  published: string;
  anchor: AnchorView | null;
}

export interface AnchorHistory {
  rows: HistoryRow[];
  /** True while some anchor can still change (not batched yet, waiting for calendars or for a block). */
  polling: boolean;
  /** A short digest of what the table shows: a poll that sees the same state gets 204 and swaps nothing. */
  state: string;
  confirmed: number;
}

const LABELS: Record<ActivityAnchorStatus['status'], string> = {
  created: 'Waiting for the calendars',
  pending: 'Pending: waiting for a Bitcoin block',
  confirmed: 'Confirmed on Bitcoin',
  invalid: 'Invalid: the calendars could not prove it',
};

function anchorView(row: ActivityRow, anchor: ActivityAnchorStatus | undefined): AnchorView | null {
  if (!anchor) return null;
  return {
    status: anchor.status,
    label: LABELS[anchor.status],
    merkle_root: anchor.merkle_root,
    bitcoin_block: anchor.bitcoin_block,
    block_time: anchor.block_time?.toISOString() ?? null,
    proof_href: `/activities/${row.uuid}/ots`,
    verify_href: `/anchors/verify/${row.uuid}`,
  };
}

export function anchorHistory(activities: ActivityRow[], anchors: ActivityAnchorStatus[]): AnchorHistory {
  const byActivity = new Map(anchors.map((a) => [a.activity_id, a]));
  const rows = activities.map((row) => ({
    uuid: row.uuid,
    index: row.id,
    type: row.activity_type,
    published: row.published_at.toISOString(),
    anchor: anchorView(row, byActivity.get(row.id)),
  }));
  const polling = rows.some((r) => !r.anchor || r.anchor.status === 'created' || r.anchor.status === 'pending');
  const state = createHash('sha256')
    .update(rows.map((r) => `${r.uuid}:${r.anchor?.status ?? 'none'}:${r.anchor?.bitcoin_block ?? ''}`).join(','))
    .digest('base64url')
    .slice(0, 16);
  return { rows, polling, state, confirmed: rows.filter((r) => r.anchor?.status === 'confirmed').length };
}
