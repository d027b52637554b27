// Runs a command against DATABASE_URL, or against the embedded Postgres of ARTDAG_DATA (started just for it).
import fs from 'node:fs';
import path from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../bootstrap/embedded-postgres.js';
import { acquireInstanceLock } from '../bootstrap/instance-lock.js';
import { loadOrCreateSecret } from '../bootstrap/secret-file.js';
import type { Config } from '../config.js';
import { createDb, type Db } from '../db/knex.js';

export async function withDatabase<T>(config: Config, work: (db: Db) => Promise<T>): Promise<T> {
  let embedded: EmbeddedPostgresHandle | null = null;
  let release = () => {};
  let url = config.databaseUrl;
  if (!url) {
    fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    release = acquireInstanceLock(config.dataDir);
    embedded = await startEmbeddedPostgres({
      dir: path.join(config.dataDir, 'postgres'),
      password: loadOrCreateSecret(path.join(config.dataDir, 'secrets', 'postgres-password'), 24),
      database: 'artdag',
      persistent: true,
      logFile: path.join(config.dataDir, 'postgres.log'),
    });
    url = embedded.url;
  }
  const db = createDb(url, 2);
  try {
    return await work(db);
  } finally {
    await db.destroy();
    await embedded?.stop();
    release();
  }
}
