// One conformance suite for every StorageProvider: the server's disk, S3 (SeaweedFS) and IPFS (Kubo).
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { contentHashOf } from '../../src/domain/content-hash.js';
import { IpfsStorageProvider } from '../../src/storage/ipfs-provider.js';
import { LocalStorageProvider } from '../../src/storage/local-provider.js';
import { S3StorageProvider } from '../../src/storage/s3-provider.js';
import { ContentHashMismatch, ContentTooLarge, type StorageProvider } from '../../src/storage/storage-provider.js';
import { startKubo, startSeaweed, type KuboServer, type S3Server } from '../helpers/storage-servers.js';

const dir = path.join(inject('testRoot'), `conformance-${randomUUID()}`);
let s3: S3Server;
let kubo: KuboServer;
const cids = new Map<string, string>();

beforeAll(async () => {
  for (const sub of ['s3', 'ipfs', 'local']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
  [s3, kubo] = await Promise.all([startSeaweed(path.join(dir, 's3')), startKubo(path.join(dir, 'ipfs'))]);
  const admin = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  await admin.send(new CreateBucketCommand({ Bucket: 'conformance' }));
  admin.destroy();
});
afterAll(async () => {
  await s3?.stop();
  await kubo?.stop();
});

const providers: [string, () => StorageProvider][] = [
  ['local disk', () => new LocalStorageProvider(path.join(dir, 'local'))],
  [
    'S3 (SeaweedFS)',
    () =>
      new S3StorageProvider({
        endpoint: s3.endpoint,
        region: s3.region,
        bucket: 'conformance',
        prefix: 'artdag/',
        forcePathStyle: true,
        accessKeyId: s3.accessKeyId,
        secretAccessKey: s3.secretAccessKey,
      }),
  ],
  ['IPFS (Kubo)', () => new IpfsStorageProvider({ apiUrl: kubo.apiUrl }, async (hash) => cids.get(hash) ?? null)],
];

async function read(stream: Readable | null): Promise<Buffer> {
  expect(stream).not.toBeNull();
  const chunks: Buffer[] = [];
  for await (const chunk of stream!) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe.each(providers)('%s', (_name, make) => {
  let provider: StorageProvider;
  const bytes = randomBytes(3 * 1024 * 1024 + 17);
  const hash = contentHashOf(bytes);

  beforeAll(() => {
    provider = make();
  });

  it('stores content verified by its hash and gives the same bytes back', async () => {
    const stored = await provider.put(Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]), { expectedHash: hash });
    expect(stored).toMatchObject({ contentHash: hash, size: bytes.length });
    if (stored.cid) cids.set(hash, stored.cid);
    expect(await provider.has(hash)).toBe(true);
    expect(await provider.stat(hash)).toEqual({ size: bytes.length });
    expect((await read(await provider.get(hash))).equals(bytes)).toBe(true);
  });

  it('serves byte ranges', async () => {
    expect((await read(await provider.get(hash, { start: 10, end: 4095 }))).equals(bytes.subarray(10, 4096))).toBe(true);
    const last = bytes.length - 1;
    expect((await read(await provider.get(hash, { start: last, end: last }))).equals(bytes.subarray(last))).toBe(true);
  });

  it('accepts the same content twice', async () => {
    const again = await provider.put(Readable.from([bytes]), { expectedHash: hash });
    expect(again.contentHash).toBe(hash);
  });

  it('refuses bytes that do not match the expected hash and keeps nothing of them', async () => {
    const other = randomBytes(4096);
    await expect(provider.put(Readable.from([other]), { expectedHash: 'c'.repeat(64) })).rejects.toBeInstanceOf(ContentHashMismatch);
    expect(await provider.has(contentHashOf(other))).toBe(false);
  });

  it('refuses content over the size cap and keeps nothing of it', async () => {
    const big = randomBytes(64 * 1024);
    await expect(provider.put(Readable.from([big]), { maxBytes: 1024 })).rejects.toBeInstanceOf(ContentTooLarge);
    expect(await provider.has(contentHashOf(big))).toBe(false);
  });

  it('answers absent content with null, not an error', async () => {
    const absent = 'd'.repeat(64);
    expect(await provider.get(absent)).toBeNull();
    expect(await provider.stat(absent)).toBeNull();
    expect(await provider.has(absent)).toBe(false);
  });

  it('removes content, and removing again is fine', async () => {
    await provider.remove(hash);
    expect(await provider.has(hash)).toBe(false);
    await provider.remove(hash);
  });

  it('passes its own connection test', async () => {
    const diagnosis = await provider.test();
    expect(diagnosis.ok).toBe(true);
    expect(diagnosis.checks.length).toBeGreaterThan(0);
    expect(diagnosis.checks.every((c) => c.ok)).toBe(true);
  });
});
