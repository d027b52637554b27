// Start-up schema check and migration. A process refuses a database that a newer release has migrated (it could
// misread or corrupt data it does not understand); the api migrates under a Postgres advisory lock so replicas
// starting together take turns instead of racing on knex's lock table.
import type { Logger } from 'pino';
import type { Db } from './knex.js';
import { knownMigrations, migrateLatest } from './migrate.js';

/** An arbitrary constant naming this application's migration lock among the database's advisory locks. */
const MIGRATION_LOCK_KEY = 0x61727464; // "artd"

export class SchemaTooNewError extends Error {
  constructor(readonly unknown: string[]) {
    const shown = unknown.length > 3 ? `${unknown.slice(0, 3).join(', ')} and ${unknown.length - 3} more` : unknown.join(', ');
    super(
      `the database schema is newer than this build: it has migration${unknown.length > 1 ? 's' : ''} ${shown} that this ` +
        'build does not know; run the release that applied them (or a newer one), or restore a backup taken before the upgrade',
    );
    this.name = 'SchemaTooNewError';
  }
}

/** Migrations recorded in the database that this build does not carry (none on a fresh database). */
export async function unknownMigrations(db: Db): Promise<string[]> {
  if (!(await db.schema.hasTable('knex_migrations'))) return [];
  const applied = (await db('knex_migrations').select('name').orderBy('id')) as { name: string }[];
  const known = new Set(await knownMigrations());
  return applied.map((row) => row.name).filter((name) => !known.has(name));
}

export async function assertSchemaKnown(db: Db): Promise<void> {
  const unknown = await unknownMigrations(db);
  if (unknown.length) throw new SchemaTooNewError(unknown);
}

/**
 * Checks the schema and, when `migrate` is set, applies pending migrations. The check runs inside the lock so a
 * replica of a newer release migrating at the same moment is seen. Returns the migrations applied.
 */
export async function prepareSchema(db: Db, options: { migrate: boolean; logger?: Logger }): Promise<string[]> {
  if (!options.migrate) {
    await assertSchemaKnown(db);
    return [];
  }
  // The transaction only holds the lock (released at commit or on a dropped connection); knex migrates on other
  // pooled connections, each migration in its own transaction.
  return await db.transaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(?)', [MIGRATION_LOCK_KEY]);
    await assertSchemaKnown(db);
    const applied = await migrateLatest(db);
    if (applied.length) options.logger?.info({ applied }, 'applied migrations');
    return applied;
  });
}
