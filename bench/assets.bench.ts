// POST /assets (hash check, RSA signing, one transaction) against a bare Koa + pg single-row insert,
// and record-run latency against the fake L1 next to fetching the same run and bytes directly.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import pg from 'pg';
import { FakeL1 } from '../test/doubles/fake-l1.js';
import { loadTemplated, report } from './lib/load.js';
import { startBenchStack, type BenchStack } from './lib/stack.js';

/** Koa reading a JSON body and inserting one row with pg: the least a registration could cost. */
async function bareInsertServer(databaseUrl: string) {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  pool.on('error', () => undefined);
  await pool.query('CREATE TABLE IF NOT EXISTS bench_rows (id bigserial primary key, name text unique, content_hash text unique)');
  const app = new Koa();
  app.use(async (ctx) => {
    const chunks: Buffer[] = [];
    for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString()) as { name: string; content_hash: string };
    const { rows } = await pool.query('INSERT INTO bench_rows (name, content_hash) VALUES ($1, $2) RETURNING id', [
      body.name,
      body.content_hash,
    ]);
    ctx.status = 201;
    ctx.body = { id: rows[0].id, ...body };
  });
  const server = http.createServer(app.callback());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    async close() {
      server.close();
      await pool.end();
    },
  };
}

async function login(stack: BenchStack, username: string): Promise<string> {
  const json = { 'content-type': 'application/json' };
  const credentials = JSON.stringify({ username, password: 'bench password' });
  await fetch(`${stack.url}/auth/register`, { method: 'POST', headers: json, body: credentials });
  const res = await fetch(`${stack.url}/auth/login`, { method: 'POST', headers: json, body: credentials });
  return ((await res.json()) as { access_token: string }).access_token;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function recordRunLatency(stack: BenchStack, l1: FakeL1, token: string, runs = 40) {
  const ours: number[] = [];
  const raw: number[] = [];
  for (let i = 0; i < runs; i++) {
    const run = l1.addRun({ run_id: `bench-run-${i}`, username: 'bench' }, Buffer.alloc(256 * 1024, i));
    let t = performance.now();
    const res = await fetch(`${stack.url}/assets/record-run?wait=30`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ run_id: run.run_id, l1_server: l1.url, output_name: `bench-output-${i}` }),
    });
    if (res.status !== 201) throw new Error(`record-run answered ${res.status}: ${await res.text()}`);
    ours.push(performance.now() - t);
    t = performance.now();
    await (await fetch(`${l1.url}/runs/${run.run_id}`)).json();
    await (await fetch(`${l1.url}/cache/${run.output_hash}`)).arrayBuffer();
    raw.push(performance.now() - t);
  }
  ours.sort((a, b) => a - b);
  raw.sort((a, b) => a - b);
  return { ours, raw };
}

export async function run(): Promise<void> {
  const l1 = await FakeL1.start();
  const stack = await startBenchStack({ L1_SERVERS: l1.url });
  const bare = await bareInsertServer(stack.databaseUrl);
  try {
    const token = await login(stack, 'bench');
    const latency = await recordRunLatency(stack, l1, token);
    const fmt = (n: number) => n.toFixed(1);
    process.stdout.write(
      `  record-run (256 KiB output, 40 runs): p50 ${fmt(percentile(latency.ours, 50))} ms, p99 ${fmt(percentile(latency.ours, 99))} ms; ` +
        `direct fetch of run + bytes p50 ${fmt(percentile(latency.raw, 50))} ms, p99 ${fmt(percentile(latency.raw, 99))} ms\n`,
    );

    const template = '{"name":"b-{{sha3}}","content_hash":"{{sha3}}","asset_type":"image","tags":["bench"]}';
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    await loadTemplated(`${stack.url}/assets`, { headers, bodyTemplate: template, seed: 'warm', seconds: 2 });
    await loadTemplated(bare.url, { headers, bodyTemplate: template, seed: 'warm', seconds: 2 });
    const ours = await loadTemplated(`${stack.url}/assets`, { headers, bodyTemplate: template, seed: 'ours', seconds: 8 });
    const baseline = await loadTemplated(bare.url, { headers, bodyTemplate: template, seed: 'base', seconds: 8 });
    if (ours.errors || ours.non2xx) throw new Error(`assets bench saw ${ours.errors} errors and ${ours.non2xx} non-2xx answers`);
    process.stdout.write(
      `  POST /assets p50 ${ours.p50Ms} ms p99 ${ours.p99Ms} ms; bare insert p50 ${baseline.p50Ms} ms p99 ${baseline.p99Ms} ms\n`,
    );
    report('assets', ours.requestsPerSecond, baseline.requestsPerSecond, 'registrations/s');
  } finally {
    await bare.close();
    await stack.stop();
    await l1.stop();
  }
}
