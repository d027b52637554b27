// The S3 provider against a real S3 server (SeaweedFS on loopback): verified streaming puts, ranges, failures
// that leave nothing behind, and a diagnosis that names what is wrong.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { CreateBucketCommand, ListMultipartUploadsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { contentHasher, contentHashOf } from '../../src/domain/content-hash.js';
import { S3StorageProvider, type S3Options, type S3Settings } from '../../src/storage/s3-provider.js';
import { ContentHashMismatch, ContentTooLarge } from '../../src/storage/storage-provider.js';
import { isLoopbackAddress } from '../helpers/loopback-only.js';
import { closedPort, listeningAddresses, startSeaweed, type S3Server } from '../helpers/storage-servers.js';

const MiB = 1024 * 1024;
const BUCKET = 'artdag-test';
let server: S3Server;
let admin: S3Client;
let cases = 0;

beforeAll(async () => {
  server = await startSeaweed(fs.mkdtempSync(path.join(inject('testRoot'), 's3-')));
  admin = new S3Client({ endpoint: server.endpoint, region: server.region, forcePathStyle: true, credentials: server });
  await admin.send(new CreateBucketCommand({ Bucket: BUCKET }));
}, 10 * 60_000);

afterAll(async () => {
  admin?.destroy();
  await server?.stop();
});

/** A provider writing under a prefix no other test uses, so listing that prefix shows exactly its objects. */
function provider(settings: Partial<S3Settings> = {}, options?: S3Options): { s3: S3StorageProvider; prefix: string } {
  const prefix = `case-${++cases}/`;
  const s3 = new S3StorageProvider(
    {
      endpoint: server.endpoint,
      region: server.region,
      bucket: BUCKET,
      prefix,
      forcePathStyle: true,
      accessKeyId: server.accessKeyId,
      secretAccessKey: server.secretAccessKey,
      ...settings,
    },
    options,
  );
  return { s3, prefix };
}

function chunked(bytes: Buffer, chunkSize = MiB): Readable {
  return Readable.from(
    (function* () {
      for (let at = 0; at < bytes.length; at += chunkSize) yield bytes.subarray(at, at + chunkSize);
    })(),
  );
}

async function readAll(stream: Readable | null): Promise<Buffer> {
  if (!stream) throw new Error('expected a stream, got null');
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Large content is compared by hash: vitest's deep equality on a 40 MiB Buffer exhausts the heap. */
async function hashOf(stream: Readable | null): Promise<string> {
  if (!stream) throw new Error('expected a stream, got null');
  const hasher = contentHasher();
  for await (const chunk of stream) hasher.update(chunk as Buffer);
  return hasher.digest('hex');
}

async function keysUnder(prefix: string): Promise<string[]> {
  const listed = await admin.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (listed.Contents ?? []).map((object) => object.Key!).sort();
}

async function uploadsUnder(prefix: string): Promise<string[]> {
  const listed = await admin.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: prefix }));
  return (listed.Uploads ?? []).map((upload) => upload.Key!);
}

describe('the SeaweedFS test server', () => {
  it('listens on loopback only', () => {
    const addresses = listeningAddresses(server.pid);
    expect(addresses.length).toBeGreaterThan(0);
    expect(addresses.filter(({ address }) => !isLoopbackAddress(address))).toEqual([]);
  });
});

describe('S3StorageProvider', () => {
  it('stores small content under its hash and reads it back', async () => {
    const { s3, prefix } = provider();
    const bytes = Buffer.from('a small artwork');
    const hash = contentHashOf(bytes);
    const stored = await s3.put(chunked(bytes), { expectedHash: hash, mediaType: 'text/plain' });
    expect(stored).toEqual({ contentHash: hash, size: bytes.length, location: `s3://${BUCKET}/${prefix}${hash.slice(0, 2)}/${hash}` });
    expect(await keysUnder(prefix)).toEqual([`${prefix}${hash.slice(0, 2)}/${hash}`]);
    expect(await readAll(await s3.get(hash))).toEqual(bytes);
  });

  it('streams 40 MiB through a multipart upload, holding only a few parts in memory', async () => {
    const { s3, prefix } = provider();
    const bytes = randomBytes(40 * MiB);
    let uploadsMidway: string[] = [];
    const source = Readable.from(
      (async function* () {
        for (let at = 0; at < bytes.length; at += MiB) {
          // By 32 MiB at most queueSize × 8 MiB can be buffered, so parts must already be on the server.
          if (at === 32 * MiB) uploadsMidway = await uploadsUnder(`${prefix}tmp/`);
          yield bytes.subarray(at, at + MiB);
        }
      })(),
    );
    const stored = await s3.put(source, {});
    expect(stored.contentHash).toBe(contentHashOf(bytes));
    expect(stored.size).toBe(40 * MiB);
    expect(uploadsMidway).toHaveLength(1);
    expect(uploadsMidway[0]).toMatch(new RegExp(`^${prefix}tmp/[0-9a-f]{24}$`));
    expect(await keysUnder(prefix)).toEqual([`${prefix}${stored.contentHash.slice(0, 2)}/${stored.contentHash}`]);
    expect(await uploadsUnder(prefix)).toEqual([]);
    expect(await hashOf(await s3.get(stored.contentHash))).toBe(stored.contentHash);
    const acrossParts = { start: 8 * MiB - 5, end: 8 * MiB + 4 };
    expect(await readAll(await s3.get(stored.contentHash, acrossParts))).toEqual(bytes.subarray(acrossParts.start, acrossParts.end + 1));
  });

  it('copies content over the single-copy limit to its final key in parts', async () => {
    const { s3, prefix } = provider({}, { maxSingleCopyBytes: 16 * MiB, copyPartBytes: 16 * MiB });
    const bytes = randomBytes(40 * MiB);
    const stored = await s3.put(chunked(bytes), { expectedHash: contentHashOf(bytes) });
    expect(await keysUnder(prefix)).toEqual([`${prefix}${stored.contentHash.slice(0, 2)}/${stored.contentHash}`]);
    expect(await uploadsUnder(prefix)).toEqual([]);
    expect(await hashOf(await s3.get(stored.contentHash))).toBe(stored.contentHash);
  });

  it('serves inclusive byte ranges', async () => {
    const { s3 } = provider();
    const bytes = Buffer.from('0123456789abcdefghij');
    const { contentHash } = await s3.put(chunked(bytes), {});
    expect((await readAll(await s3.get(contentHash, { start: 3, end: 6 }))).toString()).toBe('3456');
    expect((await readAll(await s3.get(contentHash, { start: 19, end: 19 }))).toString()).toBe('j');
    expect((await readAll(await s3.get(contentHash, { start: 0, end: 0 }))).toString()).toBe('0');
  });

  it('reports size and presence, and removes idempotently', async () => {
    const { s3, prefix } = provider();
    const bytes = randomBytes(1000);
    const { contentHash } = await s3.put(chunked(bytes), {});
    expect(await s3.stat(contentHash)).toEqual({ size: 1000 });
    expect(await s3.has(contentHash)).toBe(true);
    await s3.remove(contentHash);
    expect(await s3.has(contentHash)).toBe(false);
    expect(await s3.stat(contentHash)).toBeNull();
    expect(await s3.get(contentHash)).toBeNull();
    await s3.remove(contentHash);
    expect(await keysUnder(prefix)).toEqual([]);
  });

  it('stores nothing, not even a temporary object, when the hash does not match', async () => {
    const { s3, prefix } = provider();
    const wrong = contentHashOf('something else');
    await expect(s3.put(chunked(Buffer.from('the real bytes')), { expectedHash: wrong })).rejects.toBeInstanceOf(ContentHashMismatch);
    await expect(s3.put(chunked(randomBytes(20 * MiB)), { expectedHash: wrong })).rejects.toBeInstanceOf(ContentHashMismatch);
    expect(await keysUnder(prefix)).toEqual([]);
    expect(await uploadsUnder(prefix)).toEqual([]);
  });

  it('refuses content over maxBytes and leaves no object or multipart upload behind', async () => {
    const { s3, prefix } = provider();
    await expect(s3.put(chunked(randomBytes(1000)), { maxBytes: 999 })).rejects.toBeInstanceOf(ContentTooLarge);
    await expect(s3.put(chunked(randomBytes(30 * MiB)), { maxBytes: 20 * MiB })).rejects.toBeInstanceOf(ContentTooLarge);
    expect(await keysUnder(prefix)).toEqual([]);
    expect(await uploadsUnder(prefix)).toEqual([]);
    const exact = randomBytes(1000);
    expect((await s3.put(chunked(exact), { maxBytes: 1000 })).size).toBe(1000);
  });

  it('lets concurrent identical puts all succeed with one object as the result', async () => {
    const { s3, prefix } = provider();
    const bytes = randomBytes(9 * MiB);
    const hash = contentHashOf(bytes);
    const results = await Promise.all(Array.from({ length: 4 }, () => s3.put(chunked(bytes), { expectedHash: hash })));
    expect(results.map((r) => r.contentHash)).toEqual([hash, hash, hash, hash]);
    expect(await keysUnder(prefix)).toEqual([`${prefix}${hash.slice(0, 2)}/${hash}`]);
    expect(await hashOf(await s3.get(hash))).toBe(hash);
  });

  it('rejects a string that is not a content hash before touching the bucket', async () => {
    const { s3 } = provider();
    await expect(s3.get('../../etc/passwd')).rejects.toBeInstanceOf(TypeError);
  });
});

describe('S3StorageProvider.test()', () => {
  it('passes against a working bucket and cleans up its probe', async () => {
    const { s3, prefix } = provider();
    const diagnosis = await s3.test();
    expect(diagnosis).toMatchObject({ ok: true });
    expect(diagnosis.checks.map((c) => [c.name, c.ok])).toEqual([
      ['bucket', true],
      ['write', true],
      ['read', true],
      ['delete', true],
    ]);
    expect(await keysUnder(prefix)).toEqual([]);
  });

  it('says auth for a wrong secret', async () => {
    const diagnosis = await provider({ secretAccessKey: 'not-the-secret' }).s3.test();
    expect(diagnosis).toMatchObject({ ok: false, failure: 'auth' });
    expect(diagnosis.message).toMatch(/secret access key/);
    expect(diagnosis.checks).toEqual([expect.objectContaining({ name: 'bucket', ok: false })]);
  });

  it('says auth for an unknown access key', async () => {
    expect(await provider({ accessKeyId: 'AKNOBODY' }).s3.test()).toMatchObject({ ok: false, failure: 'auth' });
  });

  it('says bucket_missing for a bucket that does not exist', async () => {
    const diagnosis = await provider({ bucket: 'no-such-bucket' }).s3.test();
    expect(diagnosis).toMatchObject({ ok: false, failure: 'bucket_missing' });
    expect(diagnosis.message).toMatch(/no-such-bucket/);
  });

  it('says permission for credentials that may read but not write', async () => {
    const diagnosis = await provider(server.readOnly).s3.test();
    expect(diagnosis).toMatchObject({ ok: false, failure: 'permission' });
    expect(diagnosis.checks.map((c) => [c.name, c.ok])).toEqual([
      ['bucket', true],
      ['write', false],
    ]);
  });

  it('says refused when nothing listens at the endpoint', async () => {
    const diagnosis = await provider({ endpoint: `http://127.0.0.1:${await closedPort()}` }).s3.test();
    expect(diagnosis).toMatchObject({ ok: false, failure: 'refused' });
  });

  it('says timeout when the endpoint accepts connections but never answers', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => sockets.add(socket)).listen(0, '127.0.0.1');
    await new Promise((resolve) => silent.once('listening', resolve));
    try {
      const endpoint = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
      expect(await provider({ endpoint }, { testStepTimeoutMs: 300 }).s3.test()).toMatchObject({ ok: false, failure: 'timeout' });
      // Outside test() the idle timeout is what ends the wait.
      const hash = contentHashOf('anything');
      await expect(provider({ endpoint }, { idleTimeoutMs: 300 }).s3.stat(hash)).rejects.toThrow(/S3 stat of .* failed: TimeoutError/);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('says tls when https meets a plain-http port', async () => {
    const diagnosis = await provider({ endpoint: server.endpoint.replace('http:', 'https:') }).s3.test();
    expect(diagnosis).toMatchObject({ ok: false, failure: 'tls' });
  });
});
