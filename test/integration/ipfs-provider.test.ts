// The IPFS provider against a real Kubo node (offline, on loopback): verified streaming adds, CIDv1 raw
// leaves, ranges, pins that only verified content gets, and a diagnosis that names what is wrong.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { create, type KuboRPCClient } from 'kubo-rpc-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { contentHasher, contentHashOf } from '../../src/domain/content-hash.js';
import { IpfsStorageProvider, type IpfsOptions } from '../../src/storage/ipfs-provider.js';
import { ContentHashMismatch, ContentTooLarge, type StoredObject } from '../../src/storage/storage-provider.js';
import { isLoopbackAddress } from '../helpers/loopback-only.js';
import { closedPort, listeningAddresses, startKubo, type KuboServer } from '../helpers/storage-servers.js';

const MiB = 1024 * 1024;
let server: KuboServer;
let kubo: KuboRPCClient;

// The first run builds Kubo from source, which takes minutes.
beforeAll(async () => {
  server = await startKubo(fs.mkdtempSync(path.join(inject('testRoot'), 'ipfs-')));
  kubo = create({ url: server.apiUrl });
}, 20 * 60_000);

afterAll(async () => {
  await server?.stop();
});

/** A provider with its own hash → CID map, kept the way the caller would persist it. */
function provider(apiUrl = server.apiUrl, options?: IpfsOptions) {
  const cids = new Map<string, string>();
  const ipfs = new IpfsStorageProvider({ apiUrl }, async (hash) => cids.get(hash) ?? null, options);
  const remember = (stored: StoredObject) => {
    cids.set(stored.contentHash, stored.cid!);
    return stored;
  };
  return { ipfs, remember };
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

async function recursivePins(): Promise<string[]> {
  const pins: string[] = [];
  for await (const pin of kubo.pin.ls({ type: 'recursive' })) pins.push(pin.cid.toString());
  return pins.sort();
}

/** The CID Kubo would give these bytes, computed without storing them. */
async function cidOf(bytes: Buffer): Promise<string> {
  return (await kubo.add(bytes, { cidVersion: 1, rawLeaves: true, onlyHash: true })).cid.toString();
}

describe('the Kubo test node', () => {
  it('listens on loopback only and has no swarm listener', () => {
    const addresses = listeningAddresses(server.pid);
    expect(addresses).toHaveLength(2); // RPC API and gateway
    expect(addresses.filter(({ address }) => !isLoopbackAddress(address))).toEqual([]);
  });
});

describe('IpfsStorageProvider', () => {
  it('adds small content as a CIDv1 raw leaf, pins it and reads it back', async () => {
    const { ipfs, remember } = provider();
    const bytes = Buffer.from('a small artwork');
    const hash = contentHashOf(bytes);
    const stored = remember(await ipfs.put(chunked(bytes), { expectedHash: hash }));
    expect(stored).toEqual({ contentHash: hash, size: bytes.length, cid: await cidOf(bytes), location: `ipfs://${stored.cid}` });
    expect(stored.cid).toMatch(/^bafkrei/); // base32 CIDv1, raw codec
    expect(await recursivePins()).toContain(stored.cid);
    expect(await readAll(await ipfs.get(hash))).toEqual(bytes);
  });

  it('streams 40 MiB into a chunked DAG with raw leaves without buffering it, and reads it back', async () => {
    const { ipfs, remember } = provider();
    const bytes = randomBytes(40 * MiB);
    const blocksBefore = (await kubo.repo.stat()).numObjects;
    let blocksMidway = blocksBefore;
    const source = Readable.from(
      (async function* () {
        for (let at = 0; at < bytes.length; at += MiB) {
          // Kubo commits blocks in batches of at most 20 MiB, so by 32 MiB some must be in its repo.
          if (at === 32 * MiB) blocksMidway = (await kubo.repo.stat()).numObjects;
          yield bytes.subarray(at, at + MiB);
        }
      })(),
    );
    const stored = remember(await ipfs.put(source, {}));
    expect(blocksMidway).toBeGreaterThan(blocksBefore);
    expect(stored.contentHash).toBe(contentHashOf(bytes));
    expect(stored.size).toBe(40 * MiB);
    expect(stored.cid).toBe(await cidOf(bytes));
    expect(stored.cid).toMatch(/^bafybei/); // CIDv1 dag-pb root over raw leaves
    expect(await hashOf(await ipfs.get(stored.contentHash))).toBe(stored.contentHash);
    const acrossChunks = { start: 256 * 1024 - 5, end: 256 * 1024 + 4 };
    expect(await readAll(await ipfs.get(stored.contentHash, acrossChunks))).toEqual(
      bytes.subarray(acrossChunks.start, acrossChunks.end + 1),
    );
  });

  it('stores empty content', async () => {
    const { ipfs, remember } = provider();
    const stored = remember(await ipfs.put(chunked(Buffer.alloc(0)), { expectedHash: contentHashOf('') }));
    expect(await ipfs.stat(stored.contentHash)).toEqual({ size: 0 });
    expect(await readAll(await ipfs.get(stored.contentHash))).toEqual(Buffer.alloc(0));
  });

  it('serves inclusive byte ranges', async () => {
    const { ipfs, remember } = provider();
    const { contentHash } = remember(await ipfs.put(chunked(Buffer.from('0123456789abcdefghij')), {}));
    expect((await readAll(await ipfs.get(contentHash, { start: 3, end: 6 }))).toString()).toBe('3456');
    expect((await readAll(await ipfs.get(contentHash, { start: 19, end: 19 }))).toString()).toBe('j');
    expect((await readAll(await ipfs.get(contentHash, { start: 0, end: 0 }))).toString()).toBe('0');
  });

  it('reports size and presence, and unpins idempotently', async () => {
    const { ipfs, remember } = provider();
    const stored = remember(await ipfs.put(chunked(randomBytes(300 * 1024)), {}));
    expect(await ipfs.stat(stored.contentHash)).toEqual({ size: 300 * 1024 });
    expect(await ipfs.has(stored.contentHash)).toBe(true);
    await ipfs.remove(stored.contentHash);
    expect(await recursivePins()).not.toContain(stored.cid);
    expect(await ipfs.has(stored.contentHash)).toBe(false);
    expect(await ipfs.stat(stored.contentHash)).toBeNull();
    expect(await ipfs.get(stored.contentHash)).toBeNull();
    await ipfs.remove(stored.contentHash);
  });

  it('knows nothing of a hash the caller has no CID for', async () => {
    const { ipfs } = provider();
    const unknown = contentHashOf('never stored');
    expect(await ipfs.has(unknown)).toBe(false);
    expect(await ipfs.stat(unknown)).toBeNull();
    expect(await ipfs.get(unknown)).toBeNull();
    await ipfs.remove(unknown);
  });

  it('pins nothing when the hash does not match', async () => {
    const { ipfs } = provider();
    const before = await recursivePins();
    const wrong = contentHashOf('something else');
    await expect(ipfs.put(chunked(Buffer.from('the real bytes')), { expectedHash: wrong })).rejects.toBeInstanceOf(ContentHashMismatch);
    await expect(ipfs.put(chunked(randomBytes(3 * MiB)), { expectedHash: wrong })).rejects.toBeInstanceOf(ContentHashMismatch);
    expect(await recursivePins()).toEqual(before);
  });

  it('keeps the pin of verified content when the same bytes later arrive with a wrong hash', async () => {
    const { ipfs, remember } = provider();
    const bytes = randomBytes(1000);
    const stored = remember(await ipfs.put(chunked(bytes), { expectedHash: contentHashOf(bytes) }));
    await expect(ipfs.put(chunked(bytes), { expectedHash: contentHashOf('not these bytes') })).rejects.toBeInstanceOf(ContentHashMismatch);
    expect(await ipfs.has(stored.contentHash)).toBe(true);
  });

  it('refuses content over maxBytes and pins nothing', async () => {
    const { ipfs } = provider();
    const before = await recursivePins();
    await expect(ipfs.put(chunked(randomBytes(1000)), { maxBytes: 999 })).rejects.toBeInstanceOf(ContentTooLarge);
    await expect(ipfs.put(chunked(randomBytes(30 * MiB)), { maxBytes: 20 * MiB })).rejects.toBeInstanceOf(ContentTooLarge);
    expect(await recursivePins()).toEqual(before);
    expect((await ipfs.put(chunked(randomBytes(1000)), { maxBytes: 1000 })).size).toBe(1000);
  });

  it('lets concurrent identical puts all succeed with one pin as the result', async () => {
    const { ipfs, remember } = provider();
    const bytes = randomBytes(3 * MiB);
    const hash = contentHashOf(bytes);
    const results = await Promise.all(Array.from({ length: 4 }, () => ipfs.put(chunked(bytes), { expectedHash: hash })));
    const cids = new Set(results.map((r) => r.cid));
    expect(cids.size).toBe(1);
    remember(results[0]!);
    expect((await recursivePins()).filter((cid) => cids.has(cid))).toHaveLength(1);
    expect(await hashOf(await ipfs.get(hash))).toBe(hash);
  });
});

describe('IpfsStorageProvider.test()', () => {
  it('passes against a working node and leaves no pin behind', async () => {
    const before = await recursivePins();
    const diagnosis = await provider().ipfs.test();
    expect(diagnosis).toMatchObject({ ok: true });
    expect(diagnosis.checks.map((c) => [c.name, c.ok])).toEqual([
      ['api', true],
      ['write', true],
      ['read', true],
      ['unpin', true],
    ]);
    expect(diagnosis.checks[0]!.detail).toMatch(/Kubo 0\.43\.1/);
    expect(await recursivePins()).toEqual(before);
  });

  it('says refused when nothing listens at the API URL', async () => {
    const diagnosis = await provider(`http://127.0.0.1:${await closedPort()}`).ipfs.test();
    expect(diagnosis).toMatchObject({ ok: false, failure: 'refused' });
    expect(diagnosis.checks).toEqual([expect.objectContaining({ name: 'api', ok: false })]);
  });

  it('says timeout when the API accepts connections but never answers', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => sockets.add(socket)).listen(0, '127.0.0.1');
    await new Promise((resolve) => silent.once('listening', resolve));
    try {
      const diagnosis = await provider(`http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`, { timeoutMs: 300 }).ipfs.test();
      expect(diagnosis).toMatchObject({ ok: false, failure: 'timeout' });
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('says not_found when the URL is not a Kubo RPC API', async () => {
    const diagnosis = await provider(`${server.apiUrl}/not-the-api`).ipfs.test();
    expect(diagnosis).toMatchObject({ ok: false, failure: 'not_found' });
  });

  it('says tls when https meets a plain-http port', async () => {
    const diagnosis = await provider(server.apiUrl.replace('http:', 'https:')).ipfs.test();
    expect(diagnosis).toMatchObject({ ok: false, failure: 'tls' });
  });
});
