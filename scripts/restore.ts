// `npm run restore -- <directory>`: restores a backup into a fresh instance (an empty DATABASE_URL database, or an
// ARTDAG_DATA whose embedded Postgres holds no data yet). Checks every file first; the rows load in one transaction.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type pg from 'pg';
import { withDatabase } from '../src/cli/with-database.js';
import { ConfigError, loadConfig, type Config } from '../src/config.js';
import { knownMigrations, migrateDownAll, migrateLatest, migrateUpTo, migrationStatus } from '../src/db/migrate.js';
import { open, parseKey } from '../src/domain/secret-box.js';
import { withClient } from './backup-connect.js';
import { loadDatabase, tablesWithRows } from './backup-database.js';
import { restoreDataFiles } from './backup-files.js';
import { BackupError, readManifest, verifyBackup, type Manifest } from './backup-format.js';

function fail(message: string): never {
  process.stderr.write(`artdag-l2 restore: ${message}\n`);
  process.exit(1);
}

/** Every sealed storage credential must open with the key this instance will use, or the restore is rolled back. */
async function checkSealedCredentials(client: pg.ClientBase, config: Config): Promise<number> {
  const sealed = await client.query<{ id: number; secrets_encrypted: Buffer }>(
    'SELECT id, secrets_encrypted FROM storage_providers WHERE secrets_encrypted IS NOT NULL',
  );
  if (!sealed.rows.length) return 0;
  const keyFile = path.join(config.dataDir, 'secrets', 'storage-key');
  const keyText = config.storageEncryptionKey ?? (fs.existsSync(keyFile) ? fs.readFileSync(keyFile, 'utf8') : null);
  if (!keyText)
    throw new BackupError('the backup holds sealed storage credentials but no storage key: set STORAGE_ENCRYPTION_KEY as it was');
  const key = parseKey(keyText);
  for (const row of sealed.rows) {
    try {
      open(row.secrets_encrypted, key);
    } catch {
      throw new BackupError(
        `storage provider ${row.id}'s credentials do not open with this storage key: set STORAGE_ENCRYPTION_KEY as it was`,
      );
    }
  }
  return sealed.rows.length;
}

function checkCompatible(manifest: Manifest, known: string[], config: Config): void {
  const unknown = manifest.migrations.find((name, i) => known[i] !== name);
  if (unknown)
    throw new BackupError(`the backup was made by another build (migration ${unknown} is not this build's): restore with that build`);
  if (manifest.domain !== config.domain)
    process.stdout.write(`warning: the backup is of ${manifest.domain} but ARTDAG_DOMAIN is ${config.domain}; actor ids will not match\n`);
  for (const name of manifest.secrets_from_environment) {
    const set = name === 'JWT_SECRET' ? config.jwtSecret : config.storageEncryptionKey;
    if (!set) process.stdout.write(`warning: the backed-up instance took ${name} from the environment: set the same value here\n`);
  }
}

async function main(): Promise<void> {
  const { positionals } = parseArgs({ allowPositionals: true });
  if (positionals.length !== 1) fail('usage: npm run restore -- <backup directory>');
  const root = path.resolve(positionals[0]!);
  const config = loadConfig();
  const manifest = await readManifest(root);
  await verifyBackup(root, manifest);
  checkCompatible(manifest, await knownMigrations(), config);

  const summary = await withDatabase(config, async (db) => {
    const busy = await withClient(db, (client) => tablesWithRows(client));
    if (busy.length) throw new BackupError(`the database already holds data (${busy.join(', ')}): restore into a new, empty database`);
    // Load the rows into the schema they were dumped from, then migrate them forward like any other data.
    const { applied } = await migrationStatus(db);
    if (applied.some((name, i) => manifest.migrations[i] !== name)) await migrateDownAll(db);
    await migrateUpTo(db, manifest.migrations.at(-1)!);
    const bytes = await restoreDataFiles(root, manifest, config.dataDir);
    const sealed = await withClient(db, async (client) => {
      let count = 0;
      await loadDatabase(client, root, manifest, async (c) => {
        count = await checkSealedCredentials(c, config);
      });
      return count;
    });
    const upgraded = await migrateLatest(db);
    return { bytes, sealed, upgraded };
  });

  const rows = manifest.tables.reduce((n, t) => n + t.rows, 0);
  process.stdout.write(
    `restored ${root}: ${rows} rows in ${manifest.tables.length} tables, ${manifest.files.length} files (${summary.bytes} bytes), ` +
      `${summary.sealed} sealed storage credentials checked${summary.upgraded.length ? `, then migrated: ${summary.upgraded.join(', ')}` : ''}\n`,
  );
}

try {
  await main();
} catch (err) {
  if (err instanceof ConfigError || err instanceof BackupError) fail(err.message);
  fail(err instanceof Error ? err.message : String(err));
}
