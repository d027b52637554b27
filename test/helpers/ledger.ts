// What a fault must not change: the counts of the registry's records, and that nothing is in it twice.
import type { Db } from '../../src/db/knex.js';

export interface Ledger {
  users: number;
  assets: number;
  activities: number;
  followers: number;
  anchors: number;
  anchoredActivities: number;
  /** Deliveries by status (pending, delivered, failed, skipped). */
  deliveries: Record<string, number>;
}

async function count(db: Db, table: string): Promise<number> {
  return Number((await db(table).count('* as n'))[0]!.n);
}

export async function ledger(db: Db): Promise<Ledger> {
  const byStatus = (await db('deliveries').select('status').count('* as n').groupBy('status')) as { status: string; n: string }[];
  return {
    users: await count(db, 'users'),
    assets: await count(db, 'assets'),
    activities: await count(db, 'activities'),
    followers: await count(db, 'followers'),
    anchors: await count(db, 'anchors'),
    anchoredActivities: await count(db, 'anchor_activities'),
    deliveries: Object.fromEntries(byStatus.map((r) => [r.status, Number(r.n)])),
  };
}

/**
 * Records that must be unique by meaning, not only by the key an index enforces: one asset per content hash,
 * one Create per object, one anchor leaf per activity, one delivery per (activity, inbox). Empty when all hold.
 */
export async function duplicates(db: Db): Promise<string[]> {
  const found: string[] = [];
  const checks: [string, string][] = [
    ['asset content hashes', 'SELECT content_hash AS k FROM assets GROUP BY content_hash HAVING count(*) > 1'],
    ['activity ids', 'SELECT activity_id AS k FROM activities GROUP BY activity_id HAVING count(*) > 1'],
    [
      'Creates of one object',
      "SELECT object_id AS k FROM activities WHERE activity_type = 'Create' GROUP BY object_id HAVING count(*) > 1",
    ],
    ['anchored activities', 'SELECT activity_id::text AS k FROM anchor_activities GROUP BY activity_id HAVING count(*) > 1'],
    [
      'deliveries of one activity to one inbox',
      "SELECT activity_id || ' ' || inbox_url AS k FROM deliveries GROUP BY activity_id, inbox_url HAVING count(*) > 1",
    ],
    ['usernames', 'SELECT lower(username) AS k FROM users GROUP BY lower(username) HAVING count(*) > 1'],
  ];
  for (const [what, sql] of checks) {
    const { rows } = (await db.raw(sql)) as { rows: { k: string }[] };
    for (const row of rows) found.push(`${what}: ${row.k}`);
  }
  return found;
}
