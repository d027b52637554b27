// Storage: per-provider test results, and the pin state of every asset on every provider of its owner.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('storage_providers', (t) => {
    t.timestamp('last_test_at', { useTz: true });
    t.boolean('last_test_ok');
    t.text('last_test_message');
  });
  await knex.schema.createTable('asset_pins', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('asset_id').notNullable().references('assets.id').onDelete('CASCADE');
    t.bigInteger('provider_id').notNullable().references('storage_providers.id').onDelete('CASCADE');
    // pending → pinned | failed; nothing is `pinned` unless its bytes were verified on the way in.
    t.text('status').notNullable().defaultTo('pending');
    t.text('location');
    t.text('cid');
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('last_error');
    t.timestamp('pinned_at', { useTz: true });
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['asset_id', 'provider_id']);
    t.index(['provider_id', 'status']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('asset_pins');
  await knex.schema.alterTable('storage_providers', (t) => {
    t.dropColumn('last_test_at');
    t.dropColumn('last_test_ok');
    t.dropColumn('last_test_message');
  });
}
