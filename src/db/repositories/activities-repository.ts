// SQL for activities: stored exactly as signed, listed by sequence number, never rewritten.
import type { Knex } from 'knex';
import type { Db } from '../knex.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ActivityRow {
  id: number;
  uuid: string;
  activity_id: string;
  activity_type: string;
  actor_user_id: number | null;
  actor_id: string;
  object_id: string | null;
  asset_id: number | null;
  raw: string;
  published_at: Date;
}

export type NewActivity = Omit<ActivityRow, 'id'>;

/** Types shown in outboxes; Accepts and the like are addressed to one actor, not published. */
const PUBLIC_TYPES = ['Create', 'Update', 'Delete', 'Announce'];

export class ActivitiesRepository {
  constructor(private readonly db: Db) {}

  async insert(trx: Knex, activity: NewActivity): Promise<number> {
    const [row] = (await trx('activities').insert(activity).returning('id')) as { id: number }[];
    return row!.id;
  }

  async findByUuid(uuid: string): Promise<ActivityRow | null> {
    return ((await this.db('activities').where({ uuid }).first()) as ActivityRow | undefined) ?? null;
  }

  async findByActivityId(activityId: string): Promise<ActivityRow | null> {
    return ((await this.db('activities').where({ activity_id: activityId }).first()) as ActivityRow | undefined) ?? null;
  }

  async findBySequence(id: number): Promise<ActivityRow | null> {
    return ((await this.db('activities').where({ id }).first()) as ActivityRow | undefined) ?? null;
  }

  /** An activity by any name a URL may give it: its id URL, its uuid or its sequence number. */
  async findByRef(ref: string): Promise<ActivityRow | null> {
    if (UUID.test(ref)) return await this.findByUuid(ref.toLowerCase());
    if (/^\d{1,15}$/.test(ref)) return await this.findBySequence(Number(ref));
    if (/^https?:\/\//.test(ref)) return await this.findByActivityId(ref);
    return null;
  }

  /** One keyset page, newest first: below beforeId, or (the page before a cursor) just above afterId. */
  async list(filter: {
    limit: number;
    beforeId?: number;
    afterId?: number;
    actorUserId?: number;
    activityType?: string;
  }): Promise<ActivityRow[]> {
    const newerPage = filter.afterId !== undefined && filter.beforeId === undefined;
    const query = this.db('activities')
      .orderBy('id', newerPage ? 'asc' : 'desc')
      .limit(filter.limit);
    if (filter.beforeId !== undefined) query.where('id', '<', filter.beforeId);
    if (filter.afterId !== undefined) query.where('id', '>', filter.afterId);
    if (filter.actorUserId !== undefined) query.where('actor_user_id', filter.actorUserId);
    if (filter.activityType !== undefined) query.where('activity_type', filter.activityType);
    const rows = (await query) as ActivityRow[];
    return newerPage ? rows.reverse() : rows;
  }

  /** Activities that belong in a user's outbox (what followers receive), newest first. */
  async publicPage(actorUserId: number, limit: number, maxId?: number, minId?: number): Promise<ActivityRow[]> {
    const query = this.db('activities').where({ actor_user_id: actorUserId }).whereIn('activity_type', PUBLIC_TYPES).limit(limit);
    if (maxId !== undefined) query.where('id', '<', maxId);
    if (minId !== undefined) {
      // Items just newer than min_id, still returned newest first.
      const rows = (await query.where('id', '>', minId).orderBy('id', 'asc')) as ActivityRow[];
      return rows.reverse();
    }
    return (await query.orderBy('id', 'desc')) as ActivityRow[];
  }

  async countPublic(actorUserId: number): Promise<number> {
    const row = (
      await this.db('activities')
        .where({ actor_user_id: actorUserId })
        .whereIn('activity_type', PUBLIC_TYPES)
        .count<{ count: string }[]>('* as count')
    )[0];
    return Number(row?.count ?? 0);
  }

  async forAsset(assetId: number): Promise<ActivityRow[]> {
    return (await this.db('activities').where({ asset_id: assetId }).orderBy('id')) as ActivityRow[];
  }

  async forObject(objectId: string): Promise<ActivityRow[]> {
    return (await this.db('activities').where({ object_id: objectId }).orderBy('id')) as ActivityRow[];
  }
}
