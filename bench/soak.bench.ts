// Soak: SOAK_SECONDS (default 600) of mixed reads and writes at a fixed, open-loop SOAK_RATE (default 200 req/s)
// against one L2 process (`src/main.ts all`: api and worker) over loopback, with a fake fediverse peer that
// follows the owner, receives its Creates and posts signed activities to the inbox. Fails (non-zero exit) on any
// error answer, on deliveries left undelivered, or if the server's RSS grows past RSS_LIMIT × its size after warm-up.
// The baseline is the offered rate: "ours" is what was answered 2xx per second, so 1.00 means it kept up.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmbeddedPostgres } from '../src/bootstrap/embedded-postgres.js';
import { startTemporalDevServer } from '../src/bootstrap/embedded-temporal.js';
import { freePort } from '../src/bootstrap/ports.js';
import { createDb } from '../src/db/knex.js';
import { FakeFediverse } from '../test/doubles/fake-fediverse.js';
import { report } from './lib/load.js';
import { openLoop, percentile, type Shot } from './lib/open-loop.js';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const RATE = Number(process.env.SOAK_RATE ?? 200);
// RSS is compared after warm-up (V8 and the worker grow their heaps during the first minute or so), as the median
// of 10 s of samples at each end so that one garbage collection does not decide it.
const WARM_UP = Math.min(60, SECONDS / 2);
const RSS_WINDOW = 10;
const RSS_LIMIT = 1.2;
const PROGRESS_EVERY = Math.max(10, Math.round(SECONDS / 20));
const SEEDED = 100;
const root = fileURLToPath(new URL('../', import.meta.url));

// Per 100 requests: mostly reads, as a public registry sees them, and every kind of write.
const MIX: [string, number][] = [
  ['register', 1],
  ['asset', 5],
  ['inbox', 5],
  ['asset page', 20],
  ['asset json', 10],
  ['list assets', 15],
  ['list activities', 10],
  ['home', 5],
  ['webfinger', 15],
  ['actor', 14],
];
/** The mix as a cycle of 100 with each kind spread through it, not in runs (smooth weighted round-robin). */
function cycle(): string[] {
  const credit = MIX.map(() => 0);
  return Array.from({ length: 100 }, () => {
    MIX.forEach(([, weight], k) => (credit[k]! += weight));
    const pick = credit.indexOf(Math.max(...credit));
    credit[pick]! -= 100;
    return MIX[pick]![0];
  });
}
const CYCLE = cycle();

const sha3 = (text: string) => createHash('sha3-256').update(text).digest('hex');
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

async function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; url: string; tail(): string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'all'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-4000));
  child.stderr!.on('data', keep);
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer) => {
      keep(chunk);
      out += chunk.toString();
      const match = /API: +(http:\/\/\S+)/.exec(out);
      if (match) {
        // The request log keeps flowing; it is read and dropped, as a log shipper would.
        child.stdout!.off('data', onData).on('data', keep);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the server exited (${code}) while starting:\n${tail}`)));
  });
  return { child, url, tail: () => tail };
}

async function post(url: string, body: unknown, token?: string, signal?: AbortSignal): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  return await fetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal });
}

export async function run(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'artdag-soak-'));
  fs.chmodSync(dir, 0o755);
  const [pg, temporal] = await Promise.all([
    startEmbeddedPostgres({
      dir: path.join(dir, 'pg'),
      password: 'soak',
      database: 'artdag',
      persistent: false,
      logFile: path.join(dir, 'pg.log'),
    }),
    startTemporalDevServer({ namespace: 'artdag', ui: false, logFile: path.join(dir, 'temporal.log') }),
  ]);
  const peer = await FakeFediverse.start();
  const fan = peer.addActor('fan');
  let server: Awaited<ReturnType<typeof startServer>> | null = null;
  try {
    server = await startServer({
      DATABASE_URL: pg.url,
      TEMPORAL_ADDRESS: temporal.address,
      ARTDAG_DATA: path.join(dir, 'data'),
      ARTDAG_DOMAIN: 'l2.bench',
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      JWT_SECRET: 'soak-secret-that-is-long-enough-0123456789',
      ALLOW_PRIVATE_NETWORK: 'true',
      LOG_LEVEL: 'info',
      DELIVERY_RETRY_SCHEDULE: '1,5,30',
      // Every registration comes from 127.0.0.1: a limit that counts them all but refuses none.
      REGISTER_RATE_LIMIT: '999999/1h',
    });
    const url = server.url;
    const pid = server.child.pid!;
    const owner = { username: 'soaker', password: 'soak password' };
    await post(`${url}/auth/register`, owner);
    const token = ((await (await post(`${url}/auth/login`, owner)).json()) as { access_token: string }).access_token;
    const actor = `https://l2.bench/users/${owner.username}`;
    const followed = await peer.send(`${url}/inbox`, { id: `${fan.id}/follow`, type: 'Follow', actor: fan.id, object: actor }, fan);
    if (followed.status !== 202) throw new Error(`the fan's Follow was answered ${followed.status}`);
    for (let i = 0; i < SEEDED; i++) {
      const res = await post(`${url}/assets`, { name: `seeded-${i}`, content_hash: sha3(`seeded ${i}`), asset_type: 'image' }, token);
      if (res.status !== 201) throw new Error(`seeding answered ${res.status}: ${await res.text()}`);
    }

    const run = randomUUID().slice(0, 8);
    const shot = (i: number): Shot => {
      const kind = CYCLE[i % CYCLE.length]!;
      const seeded = `seeded-${i % SEEDED}`;
      const get =
        (p: string, accept = 'application/json') =>
        (signal: AbortSignal) =>
          fetch(url + p, { headers: { accept }, signal });
      switch (kind) {
        case 'register':
          return { kind, send: (s) => post(`${url}/auth/register`, { username: `s${run}${i}`, password: 'soak password' }, undefined, s) };
        case 'asset':
          return {
            kind,
            send: (s) =>
              post(`${url}/assets`, { name: `soak-${run}-${i}`, content_hash: sha3(`${run} ${i}`), asset_type: 'video' }, token, s),
          };
        case 'inbox': {
          const object =
            i % 2
              ? `https://l2.bench/objects/${sha3(`seeded ${i % SEEDED}`)}`
              : { id: `${fan.id}/notes/${run}-${i}`, type: 'Note', content: 'hello' };
          const activity = { id: `${fan.id}/activities/${run}-${i}`, type: i % 2 ? 'Like' : 'Create', actor: fan.id, object };
          return { kind, send: () => peer.send(`${url}/inbox`, activity, fan) };
        }
        case 'asset page':
          return { kind, send: get(`/asset/${seeded}`, 'text/html') };
        case 'asset json':
          return { kind, send: get(`/assets/${seeded}`) };
        case 'list assets':
          return { kind, send: get('/assets?limit=20') };
        case 'list activities':
          return { kind, send: get('/activities?limit=20') };
        case 'home':
          return { kind, send: get('/', 'text/html') };
        case 'webfinger':
          return { kind, send: get(`/.well-known/webfinger?resource=acct:${owner.username}@l2.bench`) };
        default:
          return { kind, send: get(`/users/${owner.username}`, 'application/activity+json') };
      }
    };

    const rss: { second: number; mb: number }[] = [{ second: 0, mb: rssMb(pid) }];
    const result = await openLoop({
      rate: RATE,
      seconds: SECONDS,
      timeoutMs: 10_000,
      shot,
      onSecond: (second) => {
        rss.push({ second, mb: rssMb(pid) });
        if (second % PROGRESS_EVERY === 0) process.stdout.write(`  ${second} s: server RSS ${rss.at(-1)!.mb.toFixed(0)} MB\n`);
      },
    });
    const median = (from: number, to: number) =>
      percentile(
        rss.filter((r) => r.second > from && r.second <= to).map((r) => r.mb),
        50,
      );
    const rssStart = median(WARM_UP, WARM_UP + RSS_WINDOW);
    const rssEnd = median(SECONDS - RSS_WINDOW, SECONDS);
    const rssPeak = Math.max(...rss.map((r) => r.mb));

    // Every Create and Accept made during the soak reaches the fan (the peer answers 202 to everything).
    const db = createDb(pg.url, 1);
    const deadline = Date.now() + 60_000;
    let deliveries: Record<string, number> = {};
    do {
      const rows = (await db('deliveries').select('status').count('* as n').groupBy('status')) as { status: string; n: string }[];
      deliveries = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
      if (!deliveries.pending) break;
      await new Promise((r) => setTimeout(r, 1000));
    } while (Date.now() < deadline);
    await db.destroy();

    const all = [...result.latencies.values()].flat();
    const fmt = (v: number) => v.toFixed(1);
    process.stdout.write(
      `  ${RATE} req/s offered for ${SECONDS} s (warm-up ${WARM_UP} s): ${result.sent} sent, ${result.ok} ok, ${result.failures.length} errors\n`,
    );
    process.stdout.write(
      `  latency (from when each request was due): p50 ${fmt(percentile(all, 50))} ms, p99 ${fmt(percentile(all, 99))} ms\n`,
    );
    for (const [kind, values] of [...result.latencies].sort()) {
      process.stdout.write(
        `    ${kind.padEnd(16)} ${String(values.length).padStart(7)}  p50 ${fmt(percentile(values, 50))} ms  p99 ${fmt(percentile(values, 99))} ms\n`,
      );
    }
    process.stdout.write(
      `  server RSS: ${rss[0]!.mb.toFixed(0)} MB before the load, ${rssStart.toFixed(0)} MB after warm-up, ${rssEnd.toFixed(0)} MB at the end (medians of ${RSS_WINDOW} s), peak ${rssPeak.toFixed(0)} MB; end/start ${(rssEnd / rssStart).toFixed(2)} (limit ${RSS_LIMIT})\n`,
    );
    process.stdout.write(`  deliveries: ${JSON.stringify(deliveries)}; the peer received ${peer.posts.length} POSTs\n`);
    report('soak', result.ok / result.seconds, RATE, 'req/s');

    const problems: string[] = [];
    if (result.failures.length) {
      const sample = result.failures.slice(0, 5).map((f) => `${f.kind}: ${f.status} ${f.detail}`);
      problems.push(`${result.failures.length} requests failed, e.g.\n    ${sample.join('\n    ')}`);
    }
    if (rssEnd > rssStart * RSS_LIMIT) problems.push(`RSS grew from ${rssStart.toFixed(0)} MB to ${rssEnd.toFixed(0)} MB`);
    if (deliveries.pending || deliveries.failed) problems.push(`deliveries not all made: ${JSON.stringify(deliveries)}`);
    if (problems.length) throw new Error(`soak failed:\n  ${problems.join('\n  ')}`);
  } finally {
    if (server && server.child.exitCode === null) {
      const exited = new Promise((r) => server!.child.once('exit', r));
      server.child.kill('SIGTERM');
      await exited;
    }
    await peer.stop();
    await temporal.stop();
    await pg.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
