// `npm run backup -- [directory]`: a consistent backup of the database and the data directory, taken while the
// server runs, into a new directory (default ./artdag-backup-<time>). `npm run restore -- <directory>` reads it.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../src/config.js';
import { SOFTWARE_VERSION } from '../src/domain/software.js';
import { withClient, withSourceDatabase } from './backup-connect.js';
import { dumpDatabase } from './backup-database.js';
import { backupDataFiles } from './backup-files.js';
import { BACKUP_FORMAT, BACKUP_VERSION, BackupError, writeManifest } from './backup-format.js';

function fail(message: string): never {
  process.stderr.write(`artdag-l2 backup: ${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  const { positionals } = parseArgs({ allowPositionals: true });
  if (positionals.length > 1) fail('usage: npm run backup -- [directory]');
  const config = loadConfig();
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const root = path.resolve(positionals[0] ?? `artdag-backup-${stamp}`);
  fs.mkdirSync(root, { recursive: true, mode: 0o700 });
  if (fs.readdirSync(root).length) fail(`${root} is not empty: name a new directory`);

  const dump = await withSourceDatabase(config, (db) => withClient(db, (client) => dumpDatabase(client, root)));
  // Content is stored before the rows that name it, so files copied after the snapshot cover every row in it.
  const files = await backupDataFiles(config.dataDir, root);
  const fromEnvironment = [config.jwtSecret && 'JWT_SECRET', config.storageEncryptionKey && 'STORAGE_ENCRYPTION_KEY'].filter(
    (name): name is string => Boolean(name),
  );
  await writeManifest(root, {
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    created_at: new Date().toISOString(),
    software_version: SOFTWARE_VERSION,
    domain: config.domain,
    migrations: dump.migrations,
    tables: dump.tables,
    sequences: dump.sequences,
    files,
    secrets_from_environment: fromEnvironment,
  });

  const rows = dump.tables.reduce((n, t) => n + t.rows, 0);
  const bytes = files.reduce((n, f) => n + f.bytes, 0);
  process.stdout.write(`backup written to ${root}: ${dump.tables.length} tables (${rows} rows), ${files.length} files (${bytes} bytes)\n`);
  for (const name of fromEnvironment) {
    process.stdout.write(`note: ${name} comes from the environment and is not in the backup; keep it with the backup\n`);
  }
}

try {
  await main();
} catch (err) {
  if (err instanceof ConfigError || err instanceof BackupError) fail(err.message);
  fail(err instanceof Error ? err.message : String(err));
}
