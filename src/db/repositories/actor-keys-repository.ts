// SQL for actor_keys: each user's active RSA key pair, and retired ones kept for verification.
import type { Knex } from 'knex';
import type { Db } from '../knex.js';

export interface ActorKeyRow {
  id: number;
  user_id: number;
  key_id: string;
  public_key_pem: string;
  private_key_pem: string;
  created_at: Date;
  retired_at: Date | null;
}

export class ActorKeysRepository {
  constructor(private readonly db: Db) {}

  async active(userId: number, trx: Knex | Db = this.db): Promise<ActorKeyRow | null> {
    return ((await trx('actor_keys').where({ user_id: userId }).whereNull('retired_at').first()) as ActorKeyRow | undefined) ?? null;
  }

  /** Retires the active key and makes this one active, in the caller's transaction. */
  async replace(trx: Knex, key: Omit<ActorKeyRow, 'id' | 'created_at' | 'retired_at'>): Promise<void> {
    await trx('actor_keys').where({ user_id: key.user_id }).whereNull('retired_at').update({ retired_at: trx.fn.now() });
    await trx('actor_keys').insert(key);
  }

  async activeId(userId: number): Promise<number | null> {
    const row = (await this.db('actor_keys').where({ user_id: userId }).whereNull('retired_at').first('id')) as { id: number } | undefined;
    return row?.id ?? null;
  }

  /** Inserts a key as the user's active one unless they already have one; returns the active key either way. */
  async insertIfNone(key: Omit<ActorKeyRow, 'id' | 'created_at' | 'retired_at'>): Promise<ActorKeyRow> {
    await this.db.raw(
      `INSERT INTO actor_keys (user_id, key_id, public_key_pem, private_key_pem) VALUES (?, ?, ?, ?)
       ON CONFLICT (user_id) WHERE retired_at IS NULL DO NOTHING`,
      [key.user_id, key.key_id, key.public_key_pem, key.private_key_pem],
    );
    return (await this.active(key.user_id))!;
  }
}
