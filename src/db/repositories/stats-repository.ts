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

  async ping(): Promise<void> {
    await this.db.raw('SELECT 1');
  }
}
