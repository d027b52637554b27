// The seed's nine tables, with the keys, uniqueness and indexes the registry, federation and anchoring need.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (t) => {
    t.bigIncrements('id').primary();
    t.text('username').notNullable().unique();
    t.text('email');
    t.text('password_hash').notNullable();
    t.text('display_name');
    t.text('summary');
    t.boolean('is_operator').notNullable().defaultTo(false);
    t.boolean('locked').notNullable().defaultTo(false);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`ALTER TABLE users ADD CONSTRAINT users_username_format CHECK (username ~ '^[a-z0-9_]{1,30}$')`);

  await knex.schema.createTable('assets', (t) => {
    t.bigIncrements('id').primary();
    t.text('name').notNullable().unique();
    t.specificType('content_hash', 'char(64)').notNullable().unique();
    t.text('ipfs_cid');
    t.text('asset_type').notNullable();
    t.bigInteger('owner_id').notNullable().references('users.id').onDelete('RESTRICT');
    t.text('description');
    t.specificType('tags', 'text[]').notNullable().defaultTo('{}');
    t.jsonb('provenance');
    t.text('l1_server');
    t.text('run_id');
    t.jsonb('metadata').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['owner_id', 'created_at']);
    t.index(['asset_type', 'created_at']);
    t.index(['created_at', 'id']);
    t.index(['l1_server', 'run_id']);
  });
  await knex.raw(`ALTER TABLE assets ADD CONSTRAINT assets_content_hash_format CHECK (content_hash ~ '^[0-9a-f]{64}$')`);
  await knex.raw('CREATE INDEX assets_tags_gin ON assets USING gin (tags)');

  await knex.schema.createTable('activities', (t) => {
    // id doubles as the public sequence number (GET /activity/{index}).
    t.bigIncrements('id').primary();
    t.uuid('uuid').notNullable().unique();
    t.text('activity_id').notNullable().unique();
    t.text('activity_type').notNullable();
    t.bigInteger('actor_user_id').references('users.id').onDelete('RESTRICT');
    t.text('actor_id').notNullable();
    t.text('object_id');
    t.bigInteger('asset_id').references('assets.id').onDelete('RESTRICT');
    // Exactly the bytes that were signed; never rewritten.
    t.text('raw').notNullable();
    t.timestamp('published_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['object_id']);
    t.index(['actor_user_id', 'id']);
    t.index(['asset_id']);
  });

  await knex.schema.createTable('followers', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('actor_id').notNullable();
    t.text('inbox_url').notNullable();
    t.text('shared_inbox_url');
    t.text('follow_activity_id');
    t.text('state').notNullable().defaultTo('accepted');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['user_id', 'actor_id']);
    t.index(['actor_id']);
  });

  await knex.schema.createTable('anchors', (t) => {
    t.bigIncrements('id').primary();
    t.specificType('merkle_root', 'char(64)').notNullable().unique();
    t.specificType('previous_root', 'char(64)');
    t.integer('leaf_count').notNullable();
    t.jsonb('tree').notNullable();
    t.text('status').notNullable().defaultTo('pending');
    t.binary('ots_pending');
    t.binary('ots_confirmed');
    t.integer('bitcoin_block');
    t.timestamp('block_time', { useTz: true });
    t.timestamp('verified_at', { useTz: true });
    t.jsonb('calendars').notNullable().defaultTo('{}');
    t.text('last_error');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('confirmed_at', { useTz: true });
    t.index(['status', 'created_at']);
  });

  await knex.schema.createTable('anchor_activities', (t) => {
    t.bigInteger('anchor_id').notNullable().references('anchors.id').onDelete('CASCADE');
    // An activity is anchored in exactly one batch.
    t.bigInteger('activity_id').notNullable().unique().references('activities.id').onDelete('RESTRICT');
    t.integer('leaf_index').notNullable();
    t.primary(['anchor_id', 'leaf_index']);
  });

  await knex.schema.createTable('user_renderers', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('l1_server').notNullable();
    t.timestamp('attached_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_verified_at', { useTz: true });
    t.timestamp('detached_at', { useTz: true });
    t.unique(['user_id', 'l1_server']);
  });

  await knex.schema.createTable('revoked_tokens', (t) => {
    t.text('jti').primary();
    t.bigInteger('user_id').references('users.id').onDelete('CASCADE');
    t.timestamp('revoked_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    // After this instant the token is expired anyway and the row can be purged.
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.index(['expires_at']);
  });

  await knex.schema.createTable('storage_providers', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('provider_type').notNullable();
    t.jsonb('config').notNullable().defaultTo('{}');
    t.binary('secrets_encrypted');
    t.boolean('enabled').notNullable().defaultTo(true);
    t.integer('priority').notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['user_id', 'name']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'storage_providers',
    'revoked_tokens',
    'user_renderers',
    'anchor_activities',
    'anchors',
    'followers',
    'activities',
    'assets',
    'users',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
