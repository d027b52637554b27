// Reaching the database to back up: DATABASE_URL; or the embedded Postgres of a running `npm start`, found through
// its postmaster.pid (so a backup needs no downtime); or, when nothing runs, the embedded cluster started just for it.
import fs from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { withDatabase } from '../src/cli/with-database.js';
import type { Config } from '../src/config.js';
import { createDb, type Db } from '../src/db/knex.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The URL of the embedded cluster a running instance started, or null when it is not running. */
function runningEmbeddedUrl(dataDir: string): string | null {
  let lines: string[];
  try {
    // postmaster.pid: line 1 the pid, line 4 the port (the embedded cluster listens on 127.0.0.1 only).
    lines = fs.readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return null;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || !Number.isInteger(port) || !alive(pid)) return null;
  const password = fs.readFileSync(path.join(dataDir, 'secrets', 'postgres-password'), 'utf8').trim();
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/artdag`;
}

/** Runs work on the source database; `work` gets knex for migrations and a raw pg client for COPY. */
export async function withSourceDatabase<T>(config: Config, work: (db: Db) => Promise<T>): Promise<T> {
  const running = config.databaseUrl ? null : runningEmbeddedUrl(config.dataDir);
  if (!running) return withDatabase(config, work);
  const db = createDb(running, 2);
  try {
    return await work(db);
  } finally {
    await db.destroy();
  }
}

/** A raw pg client from knex's pool for the length of `work` (COPY streams need one connection throughout). */
export async function withClient<T>(db: Db, work: (client: pg.ClientBase) => Promise<T>): Promise<T> {
  const client = (await db.client.acquireConnection()) as pg.ClientBase;
  try {
    return await work(client);
  } finally {
    await db.client.releaseConnection(client);
  }
}
