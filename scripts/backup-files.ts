// The data-directory half of a backup: the content store, the secrets and anything else kept there, minus what
// belongs to the running services (the embedded Postgres cluster, which the dump replaces, and Temporal's state).
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { BackupError, readVerified, writeMetered, type FileEntry, type Manifest } from './backup-format.js';

// Relative paths left out. postgres-password belongs to the cluster it was made for: a restored instance keeps its own.
const EXCLUDED = new Set(['postgres', 'temporal', 'client', 'content/tmp', 'secrets/postgres-password', 'artdag-l2.pid']);

function excluded(relative: string): boolean {
  return EXCLUDED.has(relative) || relative.endsWith('.log') || path.basename(relative).startsWith('.pg-password-');
}

/** Copies the data directory's files into root/files/, each hashed on the way. */
export async function backupDataFiles(dataDir: string, root: string): Promise<FileEntry[]> {
  const entries: FileEntry[] = [];
  const walk = async (relative: string): Promise<void> => {
    const dirents = await fs.readdir(path.join(dataDir, relative), { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [];
      throw err;
    });
    for (const dirent of dirents.sort((a, b) => a.name.localeCompare(b.name))) {
      const child = relative ? `${relative}/${dirent.name}` : dirent.name;
      if (excluded(child)) continue;
      if (dirent.isDirectory()) await walk(child);
      else if (dirent.isFile()) entries.push(await writeMetered(root, `files/${child}`, createReadStream(path.join(dataDir, child))));
    }
  };
  await walk('');
  return entries;
}

/** Where a backup file goes in the data directory; refuses any path that would leave it. */
function targetOf(dataDir: string, entry: FileEntry): string {
  const relative = entry.path.replace(/^files\//, '');
  const target = path.resolve(dataDir, ...relative.split('/'));
  if (!entry.path.startsWith('files/') || !target.startsWith(path.resolve(dataDir) + path.sep))
    throw new BackupError(`the manifest names a file outside the data directory: ${entry.path}`);
  return target;
}

/** Writes the backup's files into the data directory (each checked, then renamed into place). */
export async function restoreDataFiles(root: string, manifest: Manifest, dataDir: string): Promise<number> {
  let bytes = 0;
  for (const entry of manifest.files) {
    const target = targetOf(dataDir, entry);
    await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
    const partial = `${target}.restoring`;
    await readVerified(root, entry, createWriteStream(partial, { mode: 0o600 }));
    await fs.rename(partial, target);
    bytes += entry.bytes;
  }
  return bytes;
}
