// Each test file gets its own database: a clone of the migrated template, or an empty one.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { createDb, type Db } from '../../src/db/knex.js';

export interface TestDatabase {
  url: string;
  db: Db;
  name: string;
  drop(): Promise<void>;
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export function urlForDatabase(name: string): string {
  const url = new URL(inject('pgAdminUrl'));
  url.pathname = `/${name}`;
  return url.toString();
}

export async function createTestDatabase(options: { migrated: boolean } = { migrated: true }): Promise<TestDatabase> {
  const name = `t_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
  await admin((c) =>
    c.query(
      `CREATE DATABASE ${pg.escapeIdentifier(name)}${options.migrated ? ` TEMPLATE ${pg.escapeIdentifier(inject('pgTemplate'))}` : ''}`,
    ),
  );
  const url = urlForDatabase(name);
  const db = createDb(url, 5);
  return {
    url,
    db,
    name,
    async drop() {
      await db.destroy();
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`));
    },
  };
}

/** Refuses (or again allows) new connections to a database: what "the database is down" looks like to the app. */
export async function setDatabaseReachable(name: string, reachable: boolean): Promise<void> {
  await admin(async (c) => {
    await c.query(`ALTER DATABASE ${pg.escapeIdentifier(name)} WITH ALLOW_CONNECTIONS ${reachable ? 'true' : 'false'}`);
    if (!reachable) await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
  });
}
