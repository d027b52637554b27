// L1 authentication: opaque grant tokens (stored as hashes), device authorization codes, notifications to
// L1s that must be delivered (revoke a token, log a user out), and a per-renderer cutoff for issued JWTs.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('grants', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.specificType('token_hash', 'char(64)').notNullable().unique();
    t.text('audience').notNullable();
    t.text('scope').notNullable().defaultTo('renderer');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('revoked_at', { useTz: true });
    t.timestamp('last_used_at', { useTz: true });
    t.index(['user_id', 'audience']);
  });

  await knex.schema.createTable('device_codes', (t) => {
    t.bigIncrements('id').primary();
    t.specificType('device_code_hash', 'char(64)').notNullable().unique();
    t.text('user_code').notNullable().unique();
    t.text('client_id').notNullable();
    // pending → approved | denied; approved → used once its token has been handed out.
    t.text('status').notNullable().defaultTo('pending');
    t.bigInteger('user_id').references('users.id').onDelete('CASCADE');
    t.integer('interval_seconds').notNullable().defaultTo(5);
    t.timestamp('last_polled_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
  });

  await knex.schema.createTable('l1_notifications', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('l1_server').notNullable();
    t.text('kind').notNullable();
    t.text('reference').notNullable();
    t.text('status').notNullable().defaultTo('pending');
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('last_error');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('done_at', { useTz: true });
    t.unique(['kind', 'reference', 'l1_server']);
    t.index(['user_id', 'created_at']);
  });

  await knex.schema.alterTable('user_renderers', (t) => {
    // Renderer tokens issued before this instant are refused (a detach or a logout moves it forward).
    t.timestamp('tokens_valid_after', { useTz: true });
  });

  await knex.schema.alterTable('users', (t) => {
    // A logout ends every L1-bound token of the user, including ones not yet presented to any L1.
    t.timestamp('l1_tokens_valid_after', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => t.dropColumn('l1_tokens_valid_after'));
  await knex.schema.alterTable('user_renderers', (t) => t.dropColumn('tokens_valid_after'));
  await knex.schema.dropTableIfExists('l1_notifications');
  await knex.schema.dropTableIfExists('device_codes');
  await knex.schema.dropTableIfExists('grants');
}
