// Per-user RSA keys for signing activities and HTTP requests, and the natural keys record-run retries rely on.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('actor_keys', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('key_id').notNullable().unique();
    t.text('public_key_pem').notNullable();
    t.text('private_key_pem').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    // Retired keys stay so signatures made with them can still be checked.
    t.timestamp('retired_at', { useTz: true });
  });
  await knex.raw('CREATE UNIQUE INDEX actor_keys_one_active ON actor_keys (user_id) WHERE retired_at IS NULL');

  await knex.schema.alterTable('assets', (t) => {
    t.bigInteger('size_bytes');
    t.text('media_type');
  });
  // One asset per recorded run output: a retried record-run finds the asset it already made.
  await knex.raw('CREATE UNIQUE INDEX assets_run_output ON assets (l1_server, run_id) WHERE run_id IS NOT NULL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS assets_run_output');
  await knex.schema.alterTable('assets', (t) => {
    t.dropColumn('size_bytes');
    t.dropColumn('media_type');
  });
  await knex.schema.dropTableIfExists('actor_keys');
}
