// Content on the server's disk under $ARTDAG_DATA/content, fanned out by hash prefix; written to a temp
// file and renamed, so a reader never sees a torn file. Paths are built only from verified hashes.
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isContentHash } from '../domain/content-hash.js';
import {
  ContentHashMismatch,
  ContentMeter,
  type ByteRange,
  type Diagnosis,
  type PutOptions,
  type StorageProvider,
  type StoredObject,
} from './storage-provider.js';

export class LocalStorageProvider implements StorageProvider {
  readonly kind = 'local';

  constructor(private readonly root: string) {}

  private pathOf(contentHash: string): string {
    if (!isContentHash(contentHash)) throw new TypeError(`not a content hash: ${contentHash}`);
    return path.join(this.root, contentHash.slice(0, 2), contentHash.slice(2, 4), contentHash);
  }

  async put(source: Readable, options: PutOptions): Promise<StoredObject> {
    const tmpDir = path.join(this.root, 'tmp');
    await fs.mkdir(tmpDir, { recursive: true });
    const tmp = path.join(tmpDir, `${randomBytes(12).toString('hex')}.part`);
    const meter = new ContentMeter({ maxBytes: options.maxBytes });
    try {
      await pipeline(source, meter, createWriteStream(tmp, { flags: 'wx', mode: 0o644 }));
      const handle = await fs.open(tmp, 'r');
      await handle.sync();
      await handle.close();
      const contentHash = meter.contentHash();
      if (options.expectedHash && options.expectedHash !== contentHash) throw new ContentHashMismatch(options.expectedHash, contentHash);
      const target = this.pathOf(contentHash);
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.rename(tmp, target);
      return { contentHash, size: meter.bytes, location: target };
    } finally {
      await fs.rm(tmp, { force: true });
    }
  }

  async get(contentHash: string, range?: ByteRange): Promise<Readable | null> {
    if (!(await this.has(contentHash))) return null;
    return createReadStream(this.pathOf(contentHash), range ? { start: range.start, end: range.end } : {});
  }

  async stat(contentHash: string): Promise<{ size: number } | null> {
    try {
      return { size: (await fs.stat(this.pathOf(contentHash))).size };
    } catch {
      return null;
    }
  }

  async has(contentHash: string): Promise<boolean> {
    return (await this.stat(contentHash)) !== null;
  }

  async remove(contentHash: string): Promise<void> {
    await fs.rm(this.pathOf(contentHash), { force: true });
  }

  async test(): Promise<Diagnosis> {
    const probe = path.join(this.root, 'tmp', `probe-${randomBytes(6).toString('hex')}`);
    const checks: Diagnosis['checks'] = [];
    try {
      await fs.mkdir(path.dirname(probe), { recursive: true });
      await fs.writeFile(probe, 'probe');
      checks.push({ name: 'write', ok: true, detail: 'wrote a probe file' });
      await fs.rm(probe);
      checks.push({ name: 'delete', ok: true, detail: 'removed the probe file' });
      const { bavail, bsize } = await fs.statfs(this.root);
      checks.push({ name: 'space', ok: true, detail: `${Math.floor((bavail * bsize) / 1024 ** 3)} GiB free` });
      // Paths stay out of what users see: the data directory's location is the operator's business.
      return { ok: true, message: "The server's content directory is writable.", checks };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      checks.push({ name: 'write', ok: false, detail: code ?? 'write failed' });
      return {
        ok: false,
        failure: code === 'EACCES' || code === 'EPERM' ? 'permission' : 'other',
        message: `Cannot write to the server's content directory (${code ?? 'write failed'}); the operator should check it.`,
        checks,
      };
    }
  }
}
