// `npm run migrate` / `npm run migrate:down`: applies or reverts every migration, on DATABASE_URL or the embedded Postgres.
import fs from 'node:fs';
import path from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../bootstrap/embedded-postgres.js';
import { acquireInstanceLock } from '../bootstrap/instance-lock.js';
import { loadOrCreateSecret } from '../bootstrap/secret-file.js';
import { loadConfig } from '../config.js';
import { createDb } from '../db/knex.js';
import { migrateDownAll, migrateLatest } from '../db/migrate.js';

async function run(direction: 'latest' | 'down'): Promise<void> {
  const config = loadConfig();
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
    const names = direction === 'latest' ? await migrateLatest(db) : await migrateDownAll(db);
    const verb = direction === 'latest' ? 'applied' : 'reverted';
    process.stdout.write(names.length ? `${verb}: ${names.join(', ')}\n` : `nothing to do: no migration ${verb}\n`);
  } finally {
    await db.destroy();
    await embedded?.stop();
    release();
  }
}

const direction = process.argv[2];
if (direction !== 'latest' && direction !== 'down') {
  process.stderr.write('usage: migrate.ts latest|down\n');
  process.exit(2);
}
try {
  await run(direction);
} catch (err) {
  process.stderr.write(`artdag-l2 migrate: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
