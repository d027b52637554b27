// SQL for rate_limits: per (bucket, key) hit counters in fixed windows that start at the first hit.
// Every change is one statement, so concurrent api processes never lose or double-count a hit.
import type { Db } from '../knex.js';

export interface WindowCount {
  hits: number;
  windowEndsAt: Date;
}

interface Row {
  hits: number;
  window_ends_at: Date;
}

const toCount = (row: Row | undefined): WindowCount | null => (row ? { hits: row.hits, windowEndsAt: row.window_ends_at } : null);

export class RateLimitsRepository {
  constructor(private readonly db: Db) {}

  /** Counts one hit and returns the window's count including it; a window that has ended starts again at 1. */
  async hit(bucket: string, key: string, windowSeconds: number): Promise<WindowCount> {
    const result = (await this.db.raw(
      `INSERT INTO rate_limits AS r (bucket, key, hits, window_ends_at)
       VALUES (?, ?, 1, now() + make_interval(secs => ?))
       ON CONFLICT (bucket, key) DO UPDATE SET
         hits = CASE WHEN r.window_ends_at <= now() THEN 1 ELSE r.hits + 1 END,
         window_ends_at = CASE WHEN r.window_ends_at <= now() THEN EXCLUDED.window_ends_at ELSE r.window_ends_at END
       RETURNING hits, window_ends_at`,
      [bucket, key, windowSeconds],
    )) as { rows: Row[] };
    return toCount(result.rows[0])!;
  }

  /** The current window's count, or null when there is none (never hit, or its window ended). */
  async peek(bucket: string, key: string): Promise<WindowCount | null> {
    const row = (await this.db('rate_limits')
      .where({ bucket, key })
      .andWhere('window_ends_at', '>', this.db.fn.now())
      .first('hits', 'window_ends_at')) as Row | undefined;
    return toCount(row);
  }

  /** Gives back one hit of the current window (a reservation that turned out not to count). */
  async refund(bucket: string, key: string): Promise<void> {
    await this.db('rate_limits')
      .where({ bucket, key })
      .andWhere('hits', '>', 0)
      .andWhere('window_ends_at', '>', this.db.fn.now())
      .decrement('hits', 1);
  }

  async clear(bucket: string, key: string): Promise<void> {
    await this.db('rate_limits').where({ bucket, key }).delete();
  }

  /** Drops windows that ended more than `graceSeconds` ago, a batch at a time; returns how many went. */
  async prune(graceSeconds = 3600, batch = 10_000): Promise<number> {
    const result = (await this.db.raw(
      `DELETE FROM rate_limits WHERE ctid = ANY (ARRAY(
         SELECT ctid FROM rate_limits WHERE window_ends_at < now() - make_interval(secs => ?) LIMIT ?))`,
      [graceSeconds, batch],
    )) as { rowCount: number };
    return result.rowCount;
  }
}
