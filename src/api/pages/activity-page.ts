// What /activity/{id} shows: the signed JSON as stored, where its deliveries stand per inbox, and its anchor.
import type { ActivityRow } from '../../db/repositories/activities-repository.js';
import type { Repositories } from '../../db/repositories/index.js';
import { activitySummary, type Instance } from './activity-summary.js';
import { anchorHistory } from './anchor-history.js';

/** Deliveries listed on the page; the counts cover all of them. */
export const SHOWN_DELIVERIES = 100;

const DELIVERY_LABELS: Record<string, string> = {
  pending: 'Pending',
  delivered: 'Delivered',
  failed: 'Failed',
  skipped: 'Skipped',
};

/** The stored bytes, indented for reading (the exact bytes stay at /activities/{id}). */
function pretty(raw: string): string {
  try {
    return JSON.stringify(JSON.parse(raw), null, 2);
  } catch {
    return raw;
  }
}

/** The registered asset an activity is about, when its object is one of ours. */
async function assetNameOf(repos: Repositories, objectPath: string | null): Promise<string | null> {
  const hash = objectPath ? /^\/objects\/([0-9a-f]{64})$/.exec(objectPath)?.[1] : undefined;
  return hash ? ((await repos.assets.findByHash(hash))?.name ?? null) : null;
}

export async function activityPageModel(repos: Repositories, row: ActivityRow, instance: Instance) {
  const summary = activitySummary(row, instance);
  const [deliveries, counts, anchors, assetName] = await Promise.all([
    repos.deliveries.firstForActivity(row.id, SHOWN_DELIVERIES),
    repos.deliveries.countsByStatus(row.id),
    repos.anchors.statusForActivities([row.id]),
    assetNameOf(repos, summary.object_link?.href ?? null),
  ]);
  const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
  return {
    title: `${row.activity_type} #${row.id}`,
    activity: summary,
    assetName,
    pretty: pretty(row.raw),
    rawHref: `/activities/${row.uuid}?format=raw`,
    deliveries: deliveries.map((d) => ({
      inbox: d.inbox_url,
      host: d.host,
      status: d.status,
      label: DELIVERY_LABELS[d.status] ?? d.status,
      attempts: d.attempts,
      last_status: d.last_status,
      last_error: d.last_error,
      next_attempt_at: d.next_attempt_at?.toISOString() ?? null,
      delivered_at: d.delivered_at?.toISOString() ?? null,
    })),
    deliveryCounts: Object.entries(counts).map(([status, n]) => ({ status, label: DELIVERY_LABELS[status] ?? status, n })),
    deliveryTotal: total,
    hiddenDeliveries: Math.max(0, total - deliveries.length),
    anchor: anchorHistory([row], anchors).rows[0]!.anchor,
  };
}
