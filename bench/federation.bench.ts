// Fan-out of one Create to 2,000 followers on 200 loopback hosts (sink in its own process) against a raw
// node:crypto sign + POST loop at the same concurrency; and signed inbox POSTs accepted/s against raw verification/s.
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { contentHashOf } from '../src/domain/content-hash.js';
import { signRequest, verifyRequest } from '../src/federation/http-signatures.js';
import { deliveryFinished } from '../test/helpers/delivery.js';
import { report } from './lib/load.js';
import { startBenchStack, type BenchStack } from './lib/stack.js';

const HOSTS = 200;
const PER_HOST = 10;
const CONCURRENCY = 64;
const INBOX_REQUESTS = 3000;

async function startSink(): Promise<{ ports: number[]; count(): Promise<number>; stop(): void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./lib/sink.ts', import.meta.url).pathname, String(HOSTS)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(d.toString())));
  const { ports } = JSON.parse(line) as { ports: number[] };
  return {
    ports,
    count: async () => Number(await (await fetch(`http://127.0.0.1:${ports[0]}/__count`)).text()),
    stop: () => child.kill(),
  };
}

async function login(stack: BenchStack, username: string): Promise<string> {
  const json = { 'content-type': 'application/json' };
  const body = JSON.stringify({ username, password: 'bench password' });
  await fetch(`${stack.url}/auth/register`, { method: 'POST', headers: json, body });
  return ((await (await fetch(`${stack.url}/auth/login`, { method: 'POST', headers: json, body })).json()) as { access_token: string })
    .access_token;
}

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

async function fanOut(stack: BenchStack, inboxes: string[]): Promise<number> {
  const token = await login(stack, 'popular');
  const db = stack.runtime.db;
  const user = await db('users').where({ username: 'popular' }).first();
  for (let i = 0; i < inboxes.length; i += 500) {
    await db('followers').insert(
      inboxes
        .slice(i, i + 500)
        .map((inbox) => ({ user_id: user.id, actor_id: inbox.replace('/inbox', ''), inbox_url: inbox, state: 'accepted' })),
    );
  }
  const started = performance.now();
  const res = await fetch(`${stack.url}/assets`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ name: 'fan-out', content_hash: contentHashOf('fan-out'), asset_type: 'image' }),
  });
  const { activity_id: activityId } = (await res.json()) as { activity_id: string };
  const row = await db('activities').where({ activity_id: activityId }).first();
  await deliveryFinished(stack.runtime.temporal, db, activityId);
  const seconds = (performance.now() - started) / 1000;

  const delivered = Number((await db('deliveries').where({ activity_id: row.id, status: 'delivered' }).count('* as n'))[0]!.n);
  if (delivered !== inboxes.length) throw new Error(`only ${delivered} of ${inboxes.length} deliveries succeeded`);
  return inboxes.length / seconds;
}

async function rawFanOut(inboxes: string[], body: string): Promise<number> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = { keyId: 'https://l2.bench/users/raw#main-key', privateKey };
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const started = performance.now();
  await pool(inboxes, CONCURRENCY, async (inbox) => {
    const headers = signRequest({ method: 'POST', url: inbox, headers: { 'content-type': 'application/activity+json' }, body }, key);
    await new Promise<void>((resolve, reject) => {
      const req = http.request(inbox, { method: 'POST', headers, agent }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 202 ? resolve() : reject(new Error(`sink answered ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(body);
    });
  });
  agent.destroy();
  return inboxes.length / ((performance.now() - started) / 1000);
}

/** A remote actor served from this process, so our inbox can fetch its key once. */
async function remoteActor() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const server = http.createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'application/activity+json' }).end(JSON.stringify(document)),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const id = `http://127.0.0.1:${(server.address() as AddressInfo).port}/users/remote`;
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
  const document = { id, type: 'Person', inbox: `${id}/inbox`, publicKey: { id: `${id}#main-key`, owner: id, publicKeyPem } };
  return { id, key: { keyId: `${id}#main-key`, privateKey }, publicKey, close: () => server.close() };
}

async function inbox(stack: BenchStack): Promise<{ ours: number; raw: number }> {
  const actor = await remoteActor();
  const url = `${stack.url}/inbox`;
  const requests = Array.from({ length: INBOX_REQUESTS }, (_, i) => {
    const body = JSON.stringify({
      id: `${actor.id}/notes/${i}`,
      type: 'Create',
      actor: actor.id,
      object: { id: `${actor.id}/notes/${i}/o`, type: 'Note', content: 'hi' },
    });
    return {
      body,
      headers: signRequest({ method: 'POST', url, headers: { 'content-type': 'application/activity+json' }, body }, actor.key),
    };
  });
  // Warm the key cache with the first request.
  await fetch(url, { method: 'POST', headers: requests[0]!.headers, body: requests[0]!.body });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  let started = performance.now();
  await pool(requests.slice(1), 32, async ({ body, headers }) => {
    await new Promise<void>((resolve, reject) => {
      const req = http.request(url, { method: 'POST', headers, agent }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 202 ? resolve() : reject(new Error(`inbox answered ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(body);
    });
  });
  const ours = (requests.length - 1) / ((performance.now() - started) / 1000);
  agent.destroy();

  const target = new URL(url);
  started = performance.now();
  for (const { body, headers } of requests) {
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    const result = await verifyRequest(
      { method: 'POST', target: target.pathname, url, headers: lower, body: Buffer.from(body) },
      { getKey: async () => actor.publicKey },
    );
    if (!result.ok) throw new Error(`raw verification failed: ${result.message}`);
  }
  const raw = requests.length / ((performance.now() - started) / 1000);
  actor.close();
  return { ours, raw };
}

export async function run(): Promise<void> {
  const sink = await startSink();
  const stack = await startBenchStack({ DELIVERY_RETRY_SCHEDULE: '1,1,1' });
  try {
    const inboxes = sink.ports.flatMap((port) => Array.from({ length: PER_HOST }, (_, i) => `http://127.0.0.1:${port}/users/f${i}/inbox`));
    const raw = await rawFanOut(inboxes, JSON.stringify({ type: 'Create', padding: 'x'.repeat(900) }));
    const ours = await fanOut(stack, inboxes);
    const received = await inbox(stack);
    process.stdout.write(
      `  inbox: ${Math.round(received.ours)} signed POSTs accepted/s (HTTP, verify, store); raw verifyRequest ${Math.round(received.raw)}/s; ratio ${(received.ours / received.raw).toFixed(2)}\n`,
    );
    process.stdout.write(`  sink counted ${await sink.count()} POSTs (2,000 raw + 2,000 ours expected)\n`);
    report('federation', ours, raw, 'deliveries/s');
  } finally {
    await stack.stop();
    sink.stop();
  }
}
