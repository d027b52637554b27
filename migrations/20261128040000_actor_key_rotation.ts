// Key rotation keeps the key id (actor#main-key) and changes the key, so key ids are unique among active keys only.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('actor_keys', (t) => t.dropUnique(['key_id']));
  await knex.raw('CREATE UNIQUE INDEX actor_keys_active_key_id ON actor_keys (key_id) WHERE retired_at IS NULL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS actor_keys_active_key_id');
  await knex('actor_keys').whereNotNull('retired_at').delete();
  await knex.schema.alterTable('actor_keys', (t) => t.unique(['key_id']));
}
