// SQL for activities: stored exactly as signed, listed by sequence number, never rewritten.
import type { Knex } from 'knex';
import type { Db } from '../knex.js';

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

  async list(filter: { limit: number; beforeId?: number; actorUserId?: number }): Promise<ActivityRow[]> {
    const query = this.db('activities').orderBy('id', 'desc').limit(filter.limit);
    if (filter.beforeId !== undefined) query.where('id', '<', filter.beforeId);
    if (filter.actorUserId !== undefined) query.where('actor_user_id', filter.actorUserId);
    return (await query) as ActivityRow[];
  }

  async forAsset(assetId: number): Promise<ActivityRow[]> {
    return (await this.db('activities').where({ asset_id: assetId }).orderBy('id')) as ActivityRow[];
  }

  async forObject(objectId: string): Promise<ActivityRow[]> {
    return (await this.db('activities').where({ object_id: objectId }).orderBy('id')) as ActivityRow[];
  }
}
