// The layout of a backup directory (`npm run backup`): manifest.json, one COPY file per table under database/,
// and the data directory's own files under files/. Every file is listed with its size and SHA-256, so a restore
// checks the whole backup before it changes anything.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Transform, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export const BACKUP_FORMAT = 'artdag-l2-backup';
export const BACKUP_VERSION = 1;

export interface FileEntry {
  /** Relative to the backup directory, with forward slashes. */
  path: string;
  bytes: number;
  sha256: string;
}

export interface TableEntry extends FileEntry {
  table: string;
  /** The columns in the order of the COPY file (generated columns are left out: Postgres computes them). */
  columns: string[];
  rows: number;
}

export interface Manifest {
  format: typeof BACKUP_FORMAT;
  version: typeof BACKUP_VERSION;
  created_at: string;
  software_version: string;
  domain: string;
  /** knex_migrations in order: the schema the rows belong to. */
  migrations: string[];
  tables: TableEntry[];
  /** Sequence name → its last value, or null for a sequence never used. */
  sequences: Record<string, number | null>;
  /** Files of the data directory (content, secrets, ...), under files/. */
  files: FileEntry[];
  /** Secrets this instance took from the environment rather than the data directory: the backup does not hold them. */
  secrets_from_environment: string[];
}

export class BackupError extends Error {}

/** Counts and hashes what passes through, for the manifest. */
export function meter(): { tap: Transform; result(): { bytes: number; sha256: string } } {
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  return { tap, result: () => ({ bytes, sha256: hash.digest('hex') }) };
}

/** Streams source into a new file under root; returns its manifest entry. */
export async function writeMetered(root: string, relative: string, source: Readable, mode = 0o600): Promise<FileEntry> {
  const target = path.join(root, ...relative.split('/'));
  await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
  const { tap, result } = meter();
  await pipeline(source, tap, createWriteStream(target, { flags: 'wx', mode }));
  return { path: relative, ...result() };
}

/** Streams a file of the backup through `sink`, failing if it is not the file the manifest describes. */
export async function readVerified(root: string, entry: FileEntry, sink: Writable): Promise<void> {
  const { tap, result } = meter();
  await pipeline(createReadStream(path.join(root, ...entry.path.split('/'))), tap, sink);
  const seen = result();
  if (seen.bytes !== entry.bytes || seen.sha256 !== entry.sha256) throw new BackupError(`${entry.path} is damaged: its checksum differs`);
}

/** Checks every file the manifest lists against its size and checksum. */
export async function verifyBackup(root: string, manifest: Manifest): Promise<void> {
  for (const entry of [...manifest.tables, ...manifest.files]) {
    const discard = new Writable({ write: (_chunk, _encoding, done) => done() });
    try {
      await readVerified(root, entry, discard);
    } catch (err) {
      if (err instanceof BackupError) throw err;
      throw new BackupError(`${entry.path} cannot be read: ${(err as Error).message}`);
    }
  }
}

export async function readManifest(root: string): Promise<Manifest> {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await fs.readFile(path.join(root, 'manifest.json'), 'utf8')) as Manifest;
  } catch (err) {
    throw new BackupError(`${root} is not a backup: manifest.json cannot be read (${(err as Error).message})`);
  }
  if (manifest.format !== BACKUP_FORMAT) throw new BackupError(`${root} is not an Art DAG L2 backup`);
  if (manifest.version !== BACKUP_VERSION)
    throw new BackupError(`backup format version ${manifest.version} is not supported (this build reads ${BACKUP_VERSION})`);
  return manifest;
}

export async function writeManifest(root: string, manifest: Manifest): Promise<void> {
  await fs.writeFile(path.join(root, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
}
