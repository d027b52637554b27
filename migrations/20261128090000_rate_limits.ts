// Rate-limit counters shared by every api process: one row per (bucket, key) holding the hits of its current window.
// UNLOGGED: counters are written on every login attempt and are worth nothing after a crash, so they skip the WAL
// (cheaper writes, no replication traffic). After a Postgres crash the table comes back empty, which only gives
// an attacker one fresh window; the api never reads them from a replica.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE UNLOGGED TABLE rate_limits (
      bucket text NOT NULL,
      key text NOT NULL,
      hits integer NOT NULL,
      window_ends_at timestamptz NOT NULL,
      PRIMARY KEY (bucket, key)
    )
  `);
  // Pruning finds windows that ended long ago without scanning the whole table.
  await knex.raw('CREATE INDEX rate_limits_window_ends_at ON rate_limits (window_ends_at)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('rate_limits');
}
