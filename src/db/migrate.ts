// Runs the timestamped migrations in migrations/ with an explicit source, so tsx, vitest and compiled builds agree.
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Knex } from 'knex';
import type { Db } from './knex.js';

const migrationsDir = fileURLToPath(new URL('../../migrations/', import.meta.url));

interface MigrationModule {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

const source: Knex.MigrationSource<string> = {
  async getMigrations() {
    const files = await fs.readdir(migrationsDir);
    return files.filter((f) => /^\d{14}_[a-z0-9_]+\.(ts|js)$/.test(f) && !f.endsWith('.d.ts')).sort();
  },
  getMigrationName(file) {
    // Stored without extension so a compiled (.js) build and a tsx (.ts) run share one history.
    return file.replace(/\.(ts|js)$/, '');
  },
  async getMigration(file) {
    return (await import(pathToFileURL(path.join(migrationsDir, file)).href)) as MigrationModule;
  },
};

const options: Knex.MigratorConfig = { migrationSource: source, tableName: 'knex_migrations' };

export async function migrateLatest(db: Db): Promise<string[]> {
  const [, applied] = (await db.migrate.latest(options)) as [number, string[]];
  return applied;
}

export async function migrateDownAll(db: Db): Promise<string[]> {
  const [, reverted] = (await db.migrate.rollback(options, true)) as [number, string[]];
  return reverted;
}

/** The migration names this build carries, as knex_migrations stores them. */
export async function knownMigrations(): Promise<string[]> {
  return (await source.getMigrations([])).map((file) => source.getMigrationName(file));
}

export async function migrationStatus(db: Db): Promise<{ applied: string[]; pending: string[] }> {
  const [applied, pending] = (await db.migrate.list(options)) as [{ name: string }[], string[]];
  return { applied: applied.map((m) => m.name), pending };
}

/** Applies this build's migrations one at a time until `last` is the newest applied (restoring a backup made there). */
export async function migrateUpTo(db: Db, last: string): Promise<void> {
  for (;;) {
    const { applied, pending } = await migrationStatus(db);
    if (applied.at(-1) === last) return;
    if (applied.includes(last) || pending.length === 0)
      throw new Error(`cannot migrate to ${last}: the database is past it or this build lacks it`);
    await db.migrate.up(options);
  }
}
