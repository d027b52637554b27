// Put and get throughput of each storage provider against the bare thing on the same bytes: a plain file
// copy for local disk, the AWS SDK's Upload/GetObject for S3 (SeaweedFS), kubo-rpc-client add/cat for IPFS.
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Readable, Writable } from 'node:stream';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { create } from 'kubo-rpc-client';
import { contentHashOf } from '../src/domain/content-hash.js';
import { IpfsStorageProvider } from '../src/storage/ipfs-provider.js';
import { LocalStorageProvider } from '../src/storage/local-provider.js';
import { S3StorageProvider } from '../src/storage/s3-provider.js';
import type { StorageProvider } from '../src/storage/storage-provider.js';
import { startKubo, startSeaweed } from '../test/helpers/storage-servers.js';
import { report } from './lib/load.js';

const SIZE = 256 * 1024 * 1024;
const MB = 1024 * 1024;

const sink = () => new Writable({ write: (_chunk, _enc, done) => done() });

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return SIZE / MB / ((performance.now() - started) / 1000);
}

interface Row {
  name: string;
  put: [number, number];
  get: [number, number];
}

export async function run(): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'artdag-bench-storage-'));
  await fs.chmod(dir, 0o755);
  const source = path.join(dir, 'source.bin');
  const bytes = randomBytes(SIZE);
  await fs.writeFile(source, bytes);
  const hash = contentHashOf(bytes);
  const file = () => createReadStream(source, { highWaterMark: MB });
  for (const sub of ['s3', 'ipfs', 'local', 'copy']) await fs.mkdir(path.join(dir, sub));
  const [s3, kubo] = await Promise.all([startSeaweed(path.join(dir, 's3')), startKubo(path.join(dir, 'ipfs'))]);
  const rows: Row[] = [];
  try {
    const credentials = { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey };
    const sdk = new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials });
    await sdk.send(new CreateBucketCommand({ Bucket: 'bench' }));
    const rpc = create({ url: kubo.apiUrl });
    const cids = new Map<string, string>();

    // Each side runs twice, alternating, and keeps its best: the first write to a fresh server is slower.
    const measure = async (name: string, provider: StorageProvider, bare: { put(): Promise<unknown>; get(): Promise<unknown> }) => {
      const best = { put: [0, 0] as [number, number], get: [0, 0] as [number, number] };
      for (let round = 0; round < 2; round++) {
        await provider.remove(hash);
        best.put[0] = Math.max(
          best.put[0],
          await timed(async () => {
            const stored = await provider.put(file(), { expectedHash: hash });
            if (stored.cid) cids.set(hash, stored.cid);
          }),
        );
        best.put[1] = Math.max(best.put[1], await timed(bare.put));
        best.get[0] = Math.max(best.get[0], await timed(async () => pipeline((await provider.get(hash))!, sink())));
        best.get[1] = Math.max(best.get[1], await timed(bare.get));
      }
      rows.push({ name, ...best });
    };

    await measure('local', new LocalStorageProvider(path.join(dir, 'local')), {
      put: async () => {
        await pipeline(file(), createWriteStream(path.join(dir, 'copy', 'plain.bin')));
        const handle = await fs.open(path.join(dir, 'copy', 'plain.bin'), 'r');
        await handle.sync();
        await handle.close();
      },
      get: () => pipeline(createReadStream(path.join(dir, 'copy', 'plain.bin')), sink()),
    });
    await measure(
      's3',
      new S3StorageProvider({ endpoint: s3.endpoint, region: s3.region, bucket: 'bench', forcePathStyle: true, ...credentials }),
      {
        put: () =>
          new Upload({ client: sdk, params: { Bucket: 'bench', Key: 'bare/object', Body: file() }, partSize: 8 * MB, queueSize: 4 }).done(),
        get: async () => pipeline((await sdk.send(new GetObjectCommand({ Bucket: 'bench', Key: 'bare/object' }))).Body as Readable, sink()),
      },
    );
    let bareCid = '';
    await measure('ipfs', new IpfsStorageProvider({ apiUrl: kubo.apiUrl }, async (h) => cids.get(h) ?? null), {
      put: async () => {
        bareCid = (await rpc.add(file(), { cidVersion: 1, rawLeaves: true, pin: true })).cid.toString();
      },
      get: async () => {
        for await (const chunk of rpc.cat(bareCid)) void chunk;
      },
    });
    sdk.destroy();
  } finally {
    await s3.stop();
    await kubo.stop();
    await fs.rm(dir, { recursive: true, force: true });
  }

  for (const row of rows) {
    for (const op of ['put', 'get'] as const) {
      const [ours, bare] = row[op];
      process.stdout.write(
        `  ${row.name} ${op}: ${ours.toFixed(0)} MB/s vs ${bare.toFixed(0)} MB/s bare (ratio ${(ours / bare).toFixed(2)})\n`,
      );
    }
  }
  // One summary line: the same 256 MiB put through all three providers, end to end.
  const total = (pick: (row: Row) => number) => (rows.length * SIZE) / MB / rows.reduce((t, row) => t + SIZE / MB / pick(row), 0);
  report(
    'storage',
    total((r) => r.put[0]),
    total((r) => r.put[1]),
    'MB/s (put, all providers)',
  );
}
