// SQL for inbox_activities: every activity received, stored once by its id.
import type { Knex } from 'knex';
import type { Db } from '../knex.js';

export interface InboxActivity {
  activity_id: string;
  activity_type: string;
  actor_id: string;
  object_id: string | null;
  recipient_user_id: number | null;
  raw: string;
  signature_scheme: string | null;
}

export class InboxActivitiesRepository {
  constructor(private readonly db: Db) {}

  /** Stores the activity unless one with that id was stored before; true when it is new. */
  async insertIfNew(trx: Knex, activity: InboxActivity): Promise<boolean> {
    const rows = await trx('inbox_activities').insert(activity).onConflict('activity_id').ignore().returning('id');
    return rows.length > 0;
  }

  async count(): Promise<number> {
    const row = (await this.db('inbox_activities').count<{ count: string }[]>('* as count'))[0];
    return Number(row?.count ?? 0);
  }
}
