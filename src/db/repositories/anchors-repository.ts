// SQL for anchors and anchor_activities: batches of activities, their leaves, and each anchor's proof state.
import type { Knex } from 'knex';
import type { Db } from '../knex.js';

export type AnchorStatus = 'created' | 'pending' | 'confirmed' | 'invalid';

export interface CalendarState {
  status: 'ok' | 'failed';
  at: string;
  latency_ms: number;
  error?: string;
}

export interface AnchorRow {
  id: number;
  merkle_root: string;
  previous_root: string | null;
  leaf_count: number;
  tree: { leaves: number; first_leaf_is_previous_root: boolean };
  status: AnchorStatus;
  ots_pending: Buffer | null;
  ots_confirmed: Buffer | null;
  bitcoin_block: number | null;
  block_time: Date | null;
  verified_at: Date | null;
  calendars: Record<string, CalendarState>;
  last_error: string | null;
  created_at: Date;
  confirmed_at: Date | null;
  stamped_at: Date | null;
  last_upgrade_at: Date | null;
  upgrade_attempts: number;
}

/** Where an activity's anchor stands, without the proofs. */
export interface ActivityAnchorStatus {
  activity_id: number;
  merkle_root: string;
  status: AnchorStatus;
  bitcoin_block: number | null;
  block_time: Date | null;
  created_at: Date;
  stamped_at: Date | null;
  confirmed_at: Date | null;
}

export interface Leaf {
  activityId: number;
  leafHash: Buffer;
}

export class AnchorsRepository {
  constructor(private readonly db: Db) {}

  /** Serialises anchor creation across processes for the rest of the transaction. */
  async lockBatching(trx: Knex): Promise<void> {
    await trx.raw(`SELECT pg_advisory_xact_lock(hashtext('artdag:anchor-batch'))`);
  }

  async latest(trx: Knex | Db = this.db): Promise<AnchorRow | null> {
    return ((await trx('anchors').orderBy('id', 'desc').first()) as AnchorRow | undefined) ?? null;
  }

  /** Activities not in any anchor yet, with the sha256 of their stored bytes, oldest first. */
  async unanchoredLeaves(trx: Knex, limit: number): Promise<Leaf[]> {
    const result = await trx.raw<{ rows: { id: number; leaf: Buffer }[] }>(
      `SELECT a.id, sha256(convert_to(a.raw, 'UTF8')) AS leaf FROM activities a
        WHERE NOT EXISTS (SELECT 1 FROM anchor_activities x WHERE x.activity_id = a.id)
        ORDER BY a.id LIMIT ?`,
      [limit],
    );
    return result.rows.map((r) => ({ activityId: r.id, leafHash: r.leaf }));
  }

  async insert(
    trx: Knex,
    anchor: Pick<AnchorRow, 'merkle_root' | 'previous_root' | 'leaf_count' | 'tree'>,
    leaves: Leaf[],
    firstIndex: number,
  ): Promise<number> {
    const [row] = (await trx('anchors')
      .insert({ ...anchor, tree: JSON.stringify(anchor.tree), status: 'created' })
      .returning('id')) as { id: number }[];
    for (let i = 0; i < leaves.length; i += 5000) {
      const chunk = leaves.slice(i, i + 5000);
      await trx.raw(
        `INSERT INTO anchor_activities (anchor_id, activity_id, leaf_index, leaf_hash)
         SELECT ?, unnest(?::bigint[]), unnest(?::int[]), decode(unnest(?::text[]), 'hex')`,
        [row!.id, chunk.map((l) => l.activityId), chunk.map((_, j) => firstIndex + i + j), chunk.map((l) => l.leafHash.toString('hex'))],
      );
    }
    return row!.id;
  }

  async find(merkleRoot: string, trx: Knex | Db = this.db): Promise<AnchorRow | null> {
    return ((await trx('anchors').where({ merkle_root: merkleRoot }).first()) as AnchorRow | undefined) ?? null;
  }

  /** The anchor row locked for update: stamping and upgrading one anchor never run twice at once. */
  async findForUpdate(trx: Knex, merkleRoot: string): Promise<AnchorRow | null> {
    return ((await trx('anchors').where({ merkle_root: merkleRoot }).forUpdate().first()) as AnchorRow | undefined) ?? null;
  }

  async update(
    trx: Knex | Db,
    id: number,
    fields: Partial<Omit<AnchorRow, 'id' | 'calendars'>> & { calendars?: Record<string, CalendarState> },
  ): Promise<void> {
    const row: Record<string, unknown> = { ...fields };
    if (fields.calendars) row.calendars = JSON.stringify(fields.calendars);
    await trx('anchors').where({ id }).update(row);
  }

  async page(limit: number, beforeId?: number): Promise<AnchorRow[]> {
    const query = this.db('anchors').orderBy('id', 'desc').limit(limit);
    if (beforeId !== undefined) query.where('id', '<', beforeId);
    return (await query) as AnchorRow[];
  }

  async leaves(anchorId: number): Promise<{ leaf_index: number; activity_id: number; leaf_hash: Buffer }[]> {
    return (await this.db('anchor_activities').where({ anchor_id: anchorId }).orderBy('leaf_index')) as {
      leaf_index: number;
      activity_id: number;
      leaf_hash: Buffer;
    }[];
  }

  async leafPage(
    anchorId: number,
    offset: number,
    limit: number,
  ): Promise<{ leaf_index: number; activity_id: string; leaf_hash: Buffer }[]> {
    return (await this.db('anchor_activities as x')
      .join('activities as a', 'a.id', 'x.activity_id')
      .where('x.anchor_id', anchorId)
      .orderBy('x.leaf_index')
      .offset(offset)
      .limit(limit)
      .select('x.leaf_index', 'a.activity_id', 'x.leaf_hash')) as { leaf_index: number; activity_id: string; leaf_hash: Buffer }[];
  }

  /** Where an activity sits: its anchor and leaf. */
  async forActivity(activityRowId: number): Promise<{ anchor: AnchorRow; leafIndex: number } | null> {
    const row = (await this.db('anchor_activities').where({ activity_id: activityRowId }).first()) as
      { anchor_id: number; leaf_index: number } | undefined;
    if (!row) return null;
    const anchor = (await this.db('anchors').where({ id: row.anchor_id }).first()) as AnchorRow;
    return { anchor, leafIndex: row.leaf_index };
  }

  /** The anchor of each of these activities that is in one (one indexed join; activities not yet batched are absent). */
  async statusForActivities(activityRowIds: number[]): Promise<ActivityAnchorStatus[]> {
    if (activityRowIds.length === 0) return [];
    return (await this.db('anchor_activities as x')
      .join('anchors as n', 'n.id', 'x.anchor_id')
      .whereIn('x.activity_id', activityRowIds)
      .select(
        'x.activity_id',
        'n.merkle_root',
        'n.status',
        'n.bitcoin_block',
        'n.block_time',
        'n.created_at',
        'n.stamped_at',
        'n.confirmed_at',
      )) as ActivityAnchorStatus[];
  }

  /** Anchors not on Bitcoin yet (created: waiting for calendars; pending: waiting for a block), oldest first. */
  async unconfirmed(limit: number): Promise<AnchorRow[]> {
    return (await this.db('anchors').whereIn('status', ['created', 'pending']).orderBy('id').limit(limit)) as AnchorRow[];
  }

  /** How many activities the next batch would take. */
  async countUnanchored(): Promise<number> {
    const result = await this.db.raw<{ rows: { n: number }[] }>(
      `SELECT count(*)::int AS n FROM activities a WHERE NOT EXISTS (SELECT 1 FROM anchor_activities x WHERE x.activity_id = a.id)`,
    );
    return result.rows[0]!.n;
  }

  async countsByStatus(): Promise<Record<string, number>> {
    const rows = (await this.db('anchors').groupBy('status').select('status').count('* as n')) as { status: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }
}
