// SQL for instance-wide counts shown on the home page and in NodeInfo.
import type { Db } from '../knex.js';

export interface InstanceCounts {
  users: number;
  assets: number;
  activities: number;
}

export class StatsRepository {
  constructor(private readonly db: Db) {}

  async counts(): Promise<InstanceCounts> {
    const result = await this.db.raw<{ rows: { users: string; assets: string; activities: string }[] }>(
      `SELECT (SELECT count(*) FROM users) AS users,
              (SELECT count(*) FROM assets) AS assets,
              (SELECT count(*) FROM activities) AS activities`,
    );
    const row = result.rows[0]!;
    return { users: Number(row.users), assets: Number(row.assets), activities: Number(row.activities) };
  }

  /** The home page's numbers: the counts above plus anchors (a small table). */
  async withAnchors(): Promise<InstanceCounts & { anchors: number }> {
    const result = await this.db.raw<{ rows: Record<'users' | 'assets' | 'activities' | 'anchors', string>[] }>(
      `SELECT (SELECT count(*) FROM users) AS users,
              (SELECT count(*) FROM assets) AS assets,
              (SELECT count(*) FROM activities) AS activities,
              (SELECT count(*) FROM anchors) AS anchors`,
    );
    const row = result.rows[0]!;
    return { users: Number(row.users), assets: Number(row.assets), activities: Number(row.activities), anchors: Number(row.anchors) };
  }

  /** NodeInfo usage: users, users active in the last month / half year (by activity), local posts (assets). */
  async nodeInfoUsage(): Promise<{ total: number; activeMonth: number; activeHalfyear: number; localPosts: number }> {
    const result = await this.db.raw<{ rows: Record<string, string>[] }>(
      `SELECT (SELECT count(*) FROM users) AS total,
              (SELECT count(DISTINCT actor_user_id) FROM activities WHERE published_at > now() - interval '30 days') AS month,
              (SELECT count(DISTINCT actor_user_id) FROM activities WHERE published_at > now() - interval '180 days') AS halfyear,
              (SELECT count(*) FROM assets) AS posts`,
    );
    const row = result.rows[0]!;
    return {
      total: Number(row.total),
      activeMonth: Number(row.month),
      activeHalfyear: Number(row.halfyear),
      localPosts: Number(row.posts),
    };
  }

  /** Deliveries over the whole instance by status (the /metrics gauge). */
  async deliveriesByStatus(): Promise<Record<string, number>> {
    const result = await this.db.raw<{ rows: { status: string; n: string }[] }>(
      'SELECT status, count(*) AS n FROM deliveries GROUP BY status',
    );
    return Object.fromEntries(result.rows.map((r) => [r.status, Number(r.n)]));
  }

  async ping(): Promise<void> {
    await this.db.raw('SELECT 1');
  }
}
