// Federation state: cached remote actors, received activities (deduplicated by id), one delivery row per
// activity × inbox, per-host health for the circuit breaker, and likes/announces of our objects.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('remote_actors', (t) => {
    t.text('actor_id').primary();
    t.text('inbox_url');
    t.text('shared_inbox_url');
    t.text('public_key_id');
    t.text('public_key_pem');
    t.text('preferred_username');
    t.text('name');
    t.jsonb('document').notNullable();
    t.timestamp('fetched_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('gone_at', { useTz: true });
    t.index(['public_key_id']);
  });

  await knex.schema.createTable('inbox_activities', (t) => {
    t.bigIncrements('id').primary();
    t.text('activity_id').notNullable().unique();
    t.text('activity_type').notNullable();
    t.text('actor_id').notNullable();
    t.text('object_id');
    t.bigInteger('recipient_user_id').references('users.id').onDelete('SET NULL');
    t.text('raw').notNullable();
    t.text('signature_scheme');
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['actor_id']);
    t.index(['received_at']);
  });

  await knex.schema.alterTable('followers', (t) => {
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['inbox_url']);
  });

  await knex.schema.createTable('deliveries', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('activity_id').notNullable().references('activities.id').onDelete('CASCADE');
    t.text('inbox_url').notNullable();
    t.text('host').notNullable();
    // pending → delivered | failed (permanent or out of retries) | skipped (host unavailable)
    t.text('status').notNullable().defaultTo('pending');
    t.integer('attempts').notNullable().defaultTo(0);
    t.integer('last_status');
    t.text('last_error');
    t.timestamp('next_attempt_at', { useTz: true });
    t.timestamp('delivered_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['activity_id', 'inbox_url']);
    t.index(['activity_id', 'host', 'status']);
    t.index(['status', 'next_attempt_at']);
  });

  await knex.schema.createTable('instance_health', (t) => {
    t.text('host').primary();
    t.integer('consecutive_failures').notNullable().defaultTo(0);
    t.timestamp('failing_since', { useTz: true });
    t.timestamp('last_failure_at', { useTz: true });
    t.timestamp('last_success_at', { useTz: true });
    t.text('last_error');
    t.boolean('unavailable').notNullable().defaultTo(false);
  });

  await knex.schema.createTable('object_interactions', (t) => {
    t.bigIncrements('id').primary();
    t.text('activity_id').notNullable().unique();
    t.text('kind').notNullable();
    t.text('object_id').notNullable();
    t.text('actor_id').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['object_id', 'kind']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('object_interactions');
  await knex.schema.dropTableIfExists('instance_health');
  await knex.schema.dropTableIfExists('deliveries');
  await knex.schema.alterTable('followers', (t) => {
    t.dropIndex(['inbox_url']);
    t.dropColumn('updated_at');
  });
  await knex.schema.dropTableIfExists('inbox_activities');
  await knex.schema.dropTableIfExists('remote_actors');
}
