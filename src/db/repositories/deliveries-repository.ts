// SQL for deliveries (one row per activity × inbox) and instance_health (per remote host).
import type { Knex } from 'knex';
import type { Db } from '../knex.js';

export interface DeliveryRow {
  id: number;
  activity_id: number;
  inbox_url: string;
  host: string;
  status: 'pending' | 'delivered' | 'failed' | 'skipped';
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  next_attempt_at: Date | null;
  delivered_at: Date | null;
}

/** What is still to be delivered to one remote host. */
export interface HostQueueRow {
  host: string;
  /** Planned, not attempted yet. */
  waiting: number;
  /** Attempted at least once, waiting for the next try. */
  retrying: number;
  oldest: Date;
  next_attempt_at: Date | null;
  max_attempts: number;
}

export interface HostHealthRow {
  host: string;
  consecutive_failures: number;
  failing_since: Date | null;
  last_failure_at: Date | null;
  last_success_at: Date | null;
  last_error: string | null;
  unavailable: boolean;
}

export interface AttemptOutcome {
  status: DeliveryRow['status'];
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: Date | null;
}

export class DeliveriesRepository {
  constructor(private readonly db: Db) {}

  /** Records the inboxes an activity goes to (idempotent); returns how many rows were new. */
  async plan(trx: Knex | Db, activityId: number, inboxes: string[]): Promise<number> {
    const rows = inboxes.map((inbox) => ({ activity_id: activityId, inbox_url: inbox, host: new URL(inbox).host }));
    let added = 0;
    for (let i = 0; i < rows.length; i += 1000) {
      added += (
        await trx('deliveries')
          .insert(rows.slice(i, i + 1000))
          .onConflict(['activity_id', 'inbox_url'])
          .ignore()
          .returning('id')
      ).length;
    }
    return added;
  }

  /** Plans delivery of an activity to every accepted follower of a user, in the caller's transaction. */
  async planForFollowers(trx: Knex | Db, activityId: number, userId: number): Promise<number> {
    const result = (await trx.raw(
      `INSERT INTO deliveries (activity_id, inbox_url, host)
       SELECT DISTINCT ?::bigint, inbox, split_part(split_part(inbox, '://', 2), '/', 1)
         FROM (SELECT coalesce(shared_inbox_url, inbox_url) AS inbox FROM followers WHERE user_id = ? AND state = 'accepted') f
       ON CONFLICT (activity_id, inbox_url) DO NOTHING`,
      [activityId, userId],
    )) as { rowCount: number };
    return result.rowCount;
  }

  /** Activities with deliveries never attempted although planned a while ago (their workflow did not start). */
  async stranded(olderThanMs: number, limit: number): Promise<number[]> {
    const rows = (await this.db('deliveries')
      .where({ status: 'pending', attempts: 0 })
      .where('created_at', '<', this.db.raw(`now() - (? * interval '1 millisecond')`, [olderThanMs]))
      .distinct('activity_id')
      .limit(limit)) as { activity_id: number }[];
    return rows.map((r) => r.activity_id);
  }

  async pendingHosts(activityId: number, afterHost: string | null, limit: number): Promise<string[]> {
    const query = this.db('deliveries').where({ activity_id: activityId, status: 'pending' }).distinct('host').orderBy('host').limit(limit);
    if (afterHost !== null) query.where('host', '>', afterHost);
    return ((await query) as { host: string }[]).map((r) => r.host);
  }

  async pendingFor(activityId: number, host: string): Promise<DeliveryRow[]> {
    return (await this.db('deliveries').where({ activity_id: activityId, host, status: 'pending' }).orderBy('id')) as DeliveryRow[];
  }

  /** Records the outcomes of a round in one statement. */
  async recordAttempts(outcomes: (AttemptOutcome & { id: number })[]): Promise<void> {
    if (outcomes.length === 0) return;
    const values = outcomes.map(() => '(?::bigint, ?, ?::int, ?, ?::timestamptz)').join(', ');
    await this.db.raw(
      `UPDATE deliveries d SET status = v.status, attempts = d.attempts + 1, last_status = v.last_status, last_error = v.last_error,
              next_attempt_at = v.next_attempt_at, delivered_at = CASE WHEN v.status = 'delivered' THEN now() END, updated_at = now()
         FROM (VALUES ${values}) AS v (id, status, last_status, last_error, next_attempt_at)
        WHERE d.id = v.id`,
      outcomes.flatMap((o) => [o.id, o.status, o.lastStatus, o.lastError, o.nextAttemptAt]),
    );
  }

  async scheduleRetry(ids: number[], at: Date): Promise<void> {
    await this.db('deliveries').whereIn('id', ids).update({ next_attempt_at: at });
  }

  /** Gives up on what is still pending for a host (out of retries, or the host is unavailable). */
  async closePending(activityId: number, host: string, status: 'failed' | 'skipped', reason: string): Promise<number> {
    return await this.db('deliveries')
      .where({ activity_id: activityId, host, status: 'pending' })
      .update({ status, last_error: reason, next_attempt_at: null, updated_at: this.db.fn.now() });
  }

  async forActivity(activityId: number): Promise<DeliveryRow[]> {
    return (await this.db('deliveries').where({ activity_id: activityId }).orderBy('id')) as DeliveryRow[];
  }

  /** The first deliveries of an activity (an audience can be large; pages show a bounded number). */
  async firstForActivity(activityId: number, limit: number): Promise<DeliveryRow[]> {
    return (await this.db('deliveries').where({ activity_id: activityId }).orderBy('id').limit(limit)) as DeliveryRow[];
  }

  async countsByStatus(activityId: number): Promise<Record<string, number>> {
    const rows = (await this.db('deliveries').where({ activity_id: activityId }).groupBy('status').select('status').count('* as n')) as {
      status: string;
      n: string;
    }[];
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  /** The delivery queue by host, the longest-waiting host first. */
  async queueByHost(limit: number): Promise<HostQueueRow[]> {
    const result = await this.db.raw<{ rows: HostQueueRow[] }>(
      `SELECT host, count(*) FILTER (WHERE attempts = 0)::int AS waiting, count(*) FILTER (WHERE attempts > 0)::int AS retrying,
              min(created_at) AS oldest, min(next_attempt_at) AS next_attempt_at, max(attempts)::int AS max_attempts
         FROM deliveries WHERE status = 'pending'
        GROUP BY host ORDER BY min(created_at), host LIMIT ?`,
      [limit],
    );
    return result.rows;
  }

  // instance_health: the circuit breaker's memory.

  /** Hosts marked unavailable or failing now, unavailable ones first. */
  async troubledHosts(limit: number): Promise<HostHealthRow[]> {
    return (await this.db('instance_health')
      .where({ unavailable: true })
      .orWhere('consecutive_failures', '>', 0)
      .orderBy([{ column: 'unavailable', order: 'desc' }, { column: 'failing_since', order: 'asc' }, 'host'])
      .limit(limit)) as HostHealthRow[];
  }

  async hostUnavailable(host: string): Promise<boolean> {
    const row = (await this.db('instance_health').where({ host }).first('unavailable')) as { unavailable: boolean } | undefined;
    return row?.unavailable ?? false;
  }

  async hostSucceeded(host: string): Promise<void> {
    await this.db('instance_health')
      .insert({ host, consecutive_failures: 0, last_success_at: this.db.fn.now(), unavailable: false })
      .onConflict('host')
      .merge({ consecutive_failures: 0, failing_since: null, last_success_at: this.db.fn.now(), unavailable: false, last_error: null });
  }

  /** A host we had trouble with was heard from: forget the trouble (a no-op for healthy hosts). */
  async hostHeardFrom(host: string): Promise<void> {
    await this.db('instance_health')
      .where({ host })
      .andWhere((q) => q.where({ unavailable: true }).orWhere('consecutive_failures', '>', 0))
      .update({ consecutive_failures: 0, failing_since: null, unavailable: false, last_error: null, last_success_at: this.db.fn.now() });
  }

  /** Records a failure; marks the host unavailable once it has failed continuously for unavailableAfterMs. */
  async hostFailed(host: string, error: string, unavailableAfterMs: number): Promise<boolean> {
    const rows = (await this.db.raw(
      `INSERT INTO instance_health AS h (host, consecutive_failures, failing_since, last_failure_at, last_error, unavailable)
         VALUES (?, 1, now(), now(), ?, ?::bigint <= 0)
       ON CONFLICT (host) DO UPDATE SET
         consecutive_failures = h.consecutive_failures + 1,
         failing_since = coalesce(h.failing_since, now()),
         last_failure_at = now(),
         last_error = excluded.last_error,
         unavailable = h.unavailable OR coalesce(h.failing_since, now()) <= now() - (? * interval '1 millisecond')
       RETURNING unavailable`,
      [host, error, unavailableAfterMs, unavailableAfterMs],
    )) as { rows: { unavailable: boolean }[] };
    return rows.rows[0]!.unavailable;
  }

  async listHealth(): Promise<Record<string, unknown>[]> {
    return (await this.db('instance_health').orderBy('host')) as Record<string, unknown>[];
  }
}
