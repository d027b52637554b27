// SQL for remote_actors: cached actor documents and their public keys.
import type { Db } from '../knex.js';

export interface RemoteActorRow {
  actor_id: string;
  inbox_url: string | null;
  shared_inbox_url: string | null;
  public_key_id: string | null;
  public_key_pem: string | null;
  preferred_username: string | null;
  name: string | null;
  document: Record<string, unknown>;
  fetched_at: Date;
  gone_at: Date | null;
}

export type RemoteActorFields = Omit<RemoteActorRow, 'fetched_at' | 'gone_at'>;

export class RemoteActorsRepository {
  constructor(private readonly db: Db) {}

  async upsert(actor: RemoteActorFields): Promise<void> {
    const row = { ...actor, document: JSON.stringify(actor.document), fetched_at: this.db.fn.now(), gone_at: null };
    await this.db('remote_actors').insert(row).onConflict('actor_id').merge();
  }

  async find(actorId: string): Promise<RemoteActorRow | null> {
    return ((await this.db('remote_actors').where({ actor_id: actorId }).first()) as RemoteActorRow | undefined) ?? null;
  }

  async findByKeyId(keyId: string): Promise<RemoteActorRow | null> {
    return ((await this.db('remote_actors').where({ public_key_id: keyId }).first()) as RemoteActorRow | undefined) ?? null;
  }

  async markGone(actorId: string): Promise<void> {
    await this.db('remote_actors').where({ actor_id: actorId }).update({ gone_at: this.db.fn.now() });
  }
}
