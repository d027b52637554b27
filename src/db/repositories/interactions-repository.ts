// SQL for object_interactions: likes and announces of our objects, counted per object.
import type { Knex } from 'knex';
import type { Db } from '../knex.js';

export type InteractionKind = 'like' | 'announce';

export class InteractionsRepository {
  constructor(private readonly db: Db) {}

  async add(trx: Knex, interaction: { activity_id: string; kind: InteractionKind; object_id: string; actor_id: string }): Promise<void> {
    await trx('object_interactions').insert(interaction).onConflict('activity_id').ignore();
  }

  async removeByActivity(trx: Knex, activityId: string, actorId: string): Promise<number> {
    return await trx('object_interactions').where({ activity_id: activityId, actor_id: actorId }).delete();
  }

  async counts(objectId: string): Promise<Record<InteractionKind, number>> {
    const rows = (await this.db('object_interactions').where({ object_id: objectId }).groupBy('kind').select('kind').count('* as n')) as {
      kind: InteractionKind;
      n: string;
    }[];
    const counts = { like: 0, announce: 0 };
    for (const row of rows) counts[row.kind] = Number(row.n);
    return counts;
  }
}
