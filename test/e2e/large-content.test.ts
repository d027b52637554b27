// A 1 GiB upload and a 1 GiB record-run through a real L2 process, whose peak memory must stay flat.
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../src/bootstrap/ports.js';
import { FakeL1, generate } from '../doubles/fake-l1.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { client, registerAndLogin } from '../helpers/http.js';
import { spawnL2, type L2Process } from '../helpers/process.js';

const GIB = 1024 ** 3;
const LIMIT_MB = 150;

let l1: FakeL1;
let database: TestDatabase;
let l2: L2Process;
let url: string;

/** Peak and current resident memory of a process, in MB (from /proc). */
function memory(pid: number): { peak: number; now: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)![1]) / 1024;
  return { peak: kb('VmHWM'), now: kb('VmRSS') };
}

beforeAll(async () => {
  l1 = await FakeL1.start();
  database = await createTestDatabase({ migrated: false });
  l2 = spawnL2(null, {
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: inject('temporalNamespace'),
    TEMPORAL_TASK_QUEUE: `large-${randomUUID()}`,
    ARTDAG_DATA: path.join(inject('testRoot'), `large-${randomUUID()}`),
    HOST: '127.0.0.1',
    PORT: String(await freePort()),
    JWT_SECRET: 'z'.repeat(40),
    ALLOW_PRIVATE_NETWORK: 'true',
    L1_SERVERS: l1.url,
    MAX_CONTENT_BYTES: String(2 * GIB),
  });
  [, url] = (await l2.waitFor(/API: +(http:\/\/\S+)[\s\S]*Press Ctrl-C/)) as unknown as [string, string];
});
afterAll(async () => {
  l2.child.kill('SIGTERM');
  await l2.exited;
  await l1.stop();
  await database.drop();
});

describe('1 GiB of content', () => {
  it('streams through upload and record-run with under 150 MB of memory growth', { timeout: 300_000 }, async () => {
    const token = await registerAndLogin(url, 'big');
    // Start-up (workflow bundling) peaks higher than steady state; measure from here (Linux: reset VmHWM).
    fs.writeFileSync(`/proc/${l2.child.pid}/clear_refs`, '5');
    const baseline = memory(l2.child.pid!).now;

    // Upload: a multipart body generated on the fly, never held in memory on either side.
    const boundary = `----artdag${randomUUID()}`;
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\nbig-upload\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="asset_type"\r\n\r\nvideo\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: video/mp4\r\n\r\n`,
    );
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const body = Readable.from(
      (function* () {
        yield head;
        yield* generate(GIB);
        yield tail;
      })(),
    );
    const uploaded = await fetch(`${url}/assets`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': `multipart/form-data; boundary=${boundary}`,
        accept: 'application/json',
      },
      body: Readable.toWeb(body) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    expect(uploaded.status).toBe(201);
    const asset = (await uploaded.json()) as { size_bytes: number; content_hash: string };
    expect(asset.size_bytes).toBe(GIB);

    // Record-run: the L1 streams a different 1 GiB output, hashed and stored as it arrives.
    const outputHash = await l1.addGeneratedItem(GIB + 1);
    l1.addRun({ run_id: 'big-run', username: 'big', output_hash: outputHash });
    const recorded = await client(url).post('/assets/record-run?wait=60', {
      token,
      json: { run_id: 'big-run', l1_server: l1.url, output_name: 'big-render' },
    });
    expect(recorded.status).toBe(201);
    expect(recorded.body).toMatchObject({ content_hash: outputHash, size_bytes: GIB + 1 });

    const growth = memory(l2.child.pid!).peak - baseline;
    expect(growth).toBeLessThan(LIMIT_MB);
  });
});
