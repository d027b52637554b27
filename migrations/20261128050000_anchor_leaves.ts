// Anchoring needs each activity's leaf hash (to rebuild the tree and its proofs) and per-calendar stamp state.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('anchor_activities', (t) => {
    // sha256 of the activity's stored bytes, as it entered the tree.
    t.binary('leaf_hash').notNullable();
  });
  await knex.schema.alterTable('anchors', (t) => {
    t.timestamp('stamped_at', { useTz: true });
    t.timestamp('last_upgrade_at', { useTz: true });
    t.integer('upgrade_attempts').notNullable().defaultTo(0);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('anchors', (t) => {
    t.dropColumn('stamped_at');
    t.dropColumn('last_upgrade_at');
    t.dropColumn('upgrade_attempts');
  });
  await knex.schema.alterTable('anchor_activities', (t) => t.dropColumn('leaf_hash'));
}
