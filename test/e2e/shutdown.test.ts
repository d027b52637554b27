// Graceful shutdown: once stopping, the server refuses new connections, lets requests already in flight (a slowly
// streamed upload, a record-run waiting on a slow L1) finish with success, closes their connections, then exits.
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../src/bootstrap/ports.js';
import { contentHashOf } from '../../src/domain/content-hash.js';
import { FakeL1 } from '../doubles/fake-l1.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { waitUntil } from '../helpers/eventually.js';
import { client, registerAndLogin } from '../helpers/http.js';
import { spawnL2 } from '../helpers/process.js';
import { startTestServer, TEST_JWT_SECRET } from '../helpers/server.js';

interface UploadAnswer {
  status: number;
  connection: string | undefined;
  body: any;
}

interface SlowUpload {
  /** Settles when the server answers, or when the connection is cut. */
  answer: Promise<UploadAnswer>;
  /** Sends the rest of the body; resolves with the answer. */
  finish(): Promise<UploadAnswer>;
}

/**
 * Starts a multipart upload and sends only its first part. Expect: 100-continue makes the server say when it has
 * read the headers and started handling the request, so the request is in flight when this resolves.
 */
async function startSlowUpload(baseUrl: string, token: string, name: string, bytes: Buffer): Promise<SlowUpload> {
  const boundary = `----shutdown${randomUUID()}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\n${name}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="asset_type"\r\n\r\nimage\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="slow.png"\r\nContent-Type: image/png\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const half = Math.floor(bytes.length / 2);
  const url = new URL('/assets', baseUrl);
  const req = http.request(url, {
    method: 'POST',
    agent: false,
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'application/json',
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': head.length + bytes.length + tail.length,
      expect: '100-continue',
    },
  });
  const answer = new Promise<UploadAnswer>((resolve, reject) => {
    req.once('error', reject);
    req.once('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.once('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body: JSON.parse(text) }));
    });
  });
  // A test that fails before awaiting the answer leaves it to reject unobserved; that is not a second failure.
  answer.catch(() => {});
  await new Promise<void>((resolve, reject) => {
    req.once('continue', () => resolve());
    req.once('error', reject);
    req.flushHeaders();
  });
  await new Promise<void>((resolve) => req.write(Buffer.concat([head, bytes.subarray(0, half)]), () => resolve()));
  return {
    answer,
    finish() {
      req.end(Buffer.concat([bytes.subarray(half), tail]));
      return answer;
    },
  };
}

/** Whether a new TCP connection to the port is refused. */
function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

describe('runtime.stop() with requests in flight', () => {
  let l1: FakeL1;
  beforeAll(async () => {
    l1 = await FakeL1.start();
  });
  afterAll(() => l1.stop());

  it('refuses new connections, finishes a slow upload and a record-run waiting on a slow L1, then stops', async () => {
    const server = await startTestServer({ env: { L1_SERVERS: l1.url } });
    const port = Number(new URL(server.url).port);
    try {
      const token = await registerAndLogin(server.url, 'drainer');
      const output = randomBytes(4096);
      l1.addRun({ run_id: 'slow-run' }, output);
      l1.setFault('/runs/slow-run', { kind: 'slow', ms: 1500 });

      const content = randomBytes(256 * 1024);
      const upload = await startSlowUpload(server.url, token, 'half-sent', content);
      const recording = client(server.url).post('/assets/record-run', {
        token,
        json: { run_id: 'slow-run', l1_server: l1.url, output_name: 'slow-output', wait: 30 },
      });
      // The worker is reading the run from the L1 (which takes 1.5 s): the API request is waiting for it.
      await l1.waitForRequest((r) => r.path === '/runs/slow-run');

      const stopping = server.runtime.stop();
      expect(await connectionRefused(port)).toBe(true);

      const uploaded = await upload.finish();
      expect(uploaded.status).toBe(201);
      expect(uploaded.body.content_hash).toBe(contentHashOf(content));
      // Told not to reuse the connection: the server is going away.
      expect(uploaded.connection).toBe('close');

      const recorded = await recording;
      expect(recorded.status).toBe(201);
      expect(recorded.body).toMatchObject({ name: 'slow-output', content_hash: contentHashOf(output) });
      // A kept-alive connection would hold the stop for the keep-alive timeout; this one is closed after the answer.
      expect(recorded.headers.get('connection')).toBe('close');
      await stopping;

      // Both writes are in the database, which outlives the runtime.
      const names = (await server.database.db('assets').select('name')).map((r: { name: string }) => r.name);
      expect(names).toEqual(expect.arrayContaining(['half-sent', 'slow-output']));
    } finally {
      await server.runtime.stop();
      await server.database.drop();
    }
  });
});

describe('SHUTDOWN_TIMEOUT_SECONDS', () => {
  it('bounds the wait: a request still in flight when it runs out has its connection cut', async () => {
    const server = await startTestServer({ env: { SHUTDOWN_TIMEOUT_SECONDS: '1' } });
    try {
      const token = await registerAndLogin(server.url, 'stalled');
      // Half an upload whose other half never comes.
      const upload = await startSlowUpload(server.url, token, 'never-finished', randomBytes(64 * 1024));
      const started = Date.now();
      const stopping = server.runtime.stop();
      await expect(upload.answer).rejects.toThrow(/socket hang up|ECONNRESET/);
      const cutAfter = Date.now() - started;
      await stopping;
      expect(cutAfter).toBeGreaterThanOrEqual(950);
      expect(cutAfter).toBeLessThan(5000);
      expect(await server.database.db('assets').where({ name: 'never-finished' }).first()).toBeUndefined();
    } finally {
      await server.runtime.stop();
      await server.database.drop();
    }
  });
});

describe('SIGTERM to an api process', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.drop());

  it('lets an upload in flight finish with success, refuses new connections, and exits 0', async () => {
    const port = await freePort();
    const l2 = spawnL2('api', {
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: inject('temporalNamespace'),
      TEMPORAL_TASK_QUEUE: `shutdown-${randomUUID()}`,
      JWT_SECRET: TEST_JWT_SECRET,
      ARTDAG_DATA: `${inject('testRoot')}/shutdown-${randomUUID()}`,
      HOST: '127.0.0.1',
      PORT: String(port),
    });
    try {
      const [, url] = (await l2.waitFor(/API: +(http:\/\/\S+)[\s\S]*Press Ctrl-C to stop\./)) as unknown as [string, string];
      const token = await registerAndLogin(url, 'signalled');
      const content = randomBytes(128 * 1024);
      const upload = await startSlowUpload(url, token, 'signalled-upload', content);

      l2.child.kill('SIGTERM');
      await l2.waitFor(/SIGTERM received/);
      // The listener closes right after that line is printed; a connection may still slip in before it does.
      await waitUntil('new connections to be refused', () => connectionRefused(port));

      const uploaded = await upload.finish();
      expect(uploaded.status).toBe(201);
      expect(uploaded.body.content_hash).toBe(contentHashOf(content));
      expect(await l2.exited).toEqual({ code: 0, signal: null });
      expect(await database.db('assets').where({ name: 'signalled-upload' }).first('content_hash')).toEqual({
        content_hash: contentHashOf(content),
      });
    } finally {
      if (l2.child.exitCode === null) l2.child.kill('SIGKILL');
    }
  });
});
