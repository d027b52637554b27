// GET /metrics: who may read it, that it is valid Prometheus text, that request labels use route templates, and
// that deliveries, anchors and workflow failures come from Postgres and Temporal as they stand.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cachedReader } from '../../src/metrics/cached-reader.js';
import { FakeL1 } from '../doubles/fake-l1.js';
import { waitUntil } from '../helpers/eventually.js';
import { client, registerAndLogin } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const METRICS_TOKEN = 'scrape-token-0123456789-abcdefghijklmnop';
let server: TestServer;
let l1: FakeL1;
let alice: string;
let operator: string;

/** A scrape with the token, as Prometheus does it. */
async function scrape(): Promise<string> {
  const res = await client(server.url).get('/metrics', { token: METRICS_TOKEN, headers: { accept: 'text/plain' } });
  expect(res.status).toBe(200);
  return res.text;
}

/** The value of one sample, by metric name and exact labels (in any order); undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.keys(found).length === Object.keys(labels).length && Object.entries(labels).every(([k, v]) => found[k] === v))
      return Number(match[3]);
  }
  return undefined;
}

async function workflowCount(status: string): Promise<number> {
  const query = `TaskQueue = "${server.config.temporal.taskQueue}" AND ExecutionStatus = "${status}"`;
  return (await server.runtime.temporal.workflow.count(query)).count;
}

beforeAll(async () => {
  l1 = await FakeL1.start();
  server = await startTestServer({ env: { METRICS_TOKEN, L1_SERVERS: l1.url } });
  alice = await registerAndLogin(server.url, 'alice');
  const password = fs.readFileSync(path.join(server.config.dataDir, 'secrets', 'operator-password'), 'utf8').trim();
  const login = await client(server.url).post('/auth/login', { json: { username: server.config.operatorUser, password } });
  operator = login.body.access_token;

  // Before any scrape, since the gauges are cached: deliveries and anchors in several states...
  const created = await client(server.url).post('/assets', {
    token: alice,
    json: { name: 'counted', content_hash: 'd'.repeat(64), asset_type: 'image' },
  });
  expect(created.status).toBe(201);
  const { db } = server.database;
  const activity = await db('activities').orderBy('id', 'desc').first('id');
  await db('deliveries').insert(
    ['pending', 'delivered', 'delivered', 'failed'].map((status, i) => ({
      activity_id: activity.id,
      inbox_url: `https://peer${i}.example/inbox`,
      host: `peer${i}.example`,
      status,
    })),
  );
  const anchor = (digit: string, status: string) => ({ merkle_root: digit.repeat(64), leaf_count: 1, tree: JSON.stringify({}), status });
  await db('anchors').insert([anchor('1', 'confirmed'), anchor('2', 'confirmed'), anchor('3', 'pending')]);

  // ...and one workflow that fails, one that times out.
  const missing = await client(server.url).post('/assets/record-run', {
    token: alice,
    json: { run_id: 'no-such-run', l1_server: l1.url, output_name: 'never', wait: 30 },
  });
  expect(missing.status).toBe(404);
  const { temporal } = server.runtime;
  const stuck = await temporal.workflow.start('noSuchWorkflowType', {
    taskQueue: server.config.temporal.taskQueue,
    workflowId: `metrics-timeout-${randomUUID()}`,
    workflowExecutionTimeout: '1 second',
  });
  await expect(stuck.result()).rejects.toThrow();
  // Visibility is eventually consistent: wait until Temporal itself lists both before the first scrape asks.
  await waitUntil('Temporal visibility to list the failed and timed-out workflows', async () => {
    const [failed, timedOut] = await Promise.all([workflowCount('Failed'), workflowCount('TimedOut')]);
    return failed === 1 && timedOut === 1;
  });
});

afterAll(async () => {
  await server.stop();
  await l1.stop();
});

describe('who may read /metrics', () => {
  it('refuses anonymous callers, a wrong token and ordinary users; serves METRICS_TOKEN and the operator', async () => {
    const api = client(server.url);
    expect((await api.get('/metrics')).status).toBe(401);
    expect((await api.get('/metrics', { token: 'scrape-token-0123456789-abcdefghijklmnoX' })).status).toBe(401);
    const other = await api.get('/metrics', { token: alice });
    expect(other.status).toBe(403);
    expect(other.text).not.toContain('artdag_http_requests_total');
    const asOperator = await api.get('/metrics', { token: operator });
    expect(asOperator.status).toBe(200);
    expect(asOperator.text).toContain('artdag_http_requests_total');
    expect((await api.get('/metrics', { token: METRICS_TOKEN })).status).toBe(200);
  });
});

describe('the exposition', () => {
  it('is Prometheus text format 0.0.4: typed families, well-formed samples, not cached', async () => {
    const res = await client(server.url).get('/metrics', { token: METRICS_TOKEN });
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const typed = new Set<string>();
    for (const line of res.text.split('\n').filter(Boolean)) {
      const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
      if (type) typed.add(type[1]!);
      if (line.startsWith('#')) {
        expect(line).toMatch(/^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* /);
        continue;
      }
      expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_]\w*="(?:[^"\\\n]|\\.)*",?)*\})? (-?[0-9.]+(e[+-]?\d+)?|NaN|[+-]Inf)$/);
      const family = line.split(/[{ ]/)[0]!.replace(/_(bucket|sum|count)$/, '');
      expect(typed.has(family) || typed.has(line.split(/[{ ]/)[0]!), `no # TYPE before ${line}`).toBe(true);
    }
    for (const family of [
      'artdag_http_requests_total',
      'artdag_http_request_duration_seconds',
      'artdag_http_requests_in_flight',
      'artdag_deliveries',
      'artdag_anchors',
      'artdag_workflow_failures',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_seconds',
      'process_uptime_seconds',
    ])
      expect(typed, family).toContain(family);
    expect(sample(res.text, 'process_resident_memory_bytes')).toBeGreaterThan(1_000_000);
    expect(sample(res.text, 'process_uptime_seconds')).toBeGreaterThan(0);
  });

  it('labels requests by route template and status class, never by the raw path', async () => {
    const api = client(server.url);
    const before = await scrape();
    const notFound = { method: 'GET', route: '/assets/:name', status_class: '4xx' };
    const unmatched = { method: 'GET', route: 'unmatched', status_class: '4xx' };
    const health = { method: 'GET', route: '/health', status_class: '2xx' };
    for (const name of ['zz-missing-one', 'zz-missing-two', 'zz-missing-three'])
      expect((await api.get(`/assets/${name}`)).status).toBe(404);
    expect((await api.get('/no/such/place-zz-raw')).status).toBe(404);
    await api.get('/health');
    const after = await scrape();
    expect(
      (sample(after, 'artdag_http_requests_total', notFound) ?? 0) - (sample(before, 'artdag_http_requests_total', notFound) ?? 0),
    ).toBe(3);
    expect(
      (sample(after, 'artdag_http_requests_total', unmatched) ?? 0) - (sample(before, 'artdag_http_requests_total', unmatched) ?? 0),
    ).toBe(1);
    expect((sample(after, 'artdag_http_requests_total', health) ?? 0) - (sample(before, 'artdag_http_requests_total', health) ?? 0)).toBe(
      1,
    );
    expect(after).not.toContain('zz-missing');
    expect(after).not.toContain('place-zz-raw');
    // The latency histogram: cumulative buckets ending in +Inf, which equals the count.
    const route = { method: 'GET', route: '/assets/:name' };
    const count = sample(after, 'artdag_http_request_duration_seconds_count', route)!;
    expect(count).toBeGreaterThanOrEqual(3);
    expect(sample(after, 'artdag_http_request_duration_seconds_bucket', { ...route, le: '+Inf' })).toBe(count);
    expect(sample(after, 'artdag_http_request_duration_seconds_bucket', { ...route, le: '0.005' })).toBeLessThanOrEqual(count);
    expect(sample(after, 'artdag_http_request_duration_seconds_sum', route)).toBeGreaterThan(0);
    // This scrape itself is in flight while the gauge is read.
    expect(sample(after, 'artdag_http_requests_in_flight')).toBeGreaterThanOrEqual(1);
  });
});

describe('state read from the stores', () => {
  it('counts workflows that failed or timed out on this task queue, as Temporal visibility lists them', async () => {
    const text = await scrape();
    expect(sample(text, 'artdag_workflow_failures', { state: 'failed' })).toBe(1);
    expect(sample(text, 'artdag_workflow_failures', { state: 'timed_out' })).toBe(1);
    expect(sample(text, 'artdag_metrics_source_up', { source: 'temporal' })).toBe(1);
    expect(sample(text, 'artdag_metrics_source_up', { source: 'postgres' })).toBe(1);
  });

  it('reports deliveries and anchors by state from Postgres, every known state even at zero', async () => {
    const text = await scrape();
    expect(sample(text, 'artdag_deliveries', { state: 'pending' })).toBe(1);
    expect(sample(text, 'artdag_deliveries', { state: 'delivered' })).toBe(2);
    expect(sample(text, 'artdag_deliveries', { state: 'failed' })).toBe(1);
    expect(sample(text, 'artdag_deliveries', { state: 'skipped' })).toBe(0);
    expect(sample(text, 'artdag_anchors', { state: 'confirmed' })).toBe(2);
    expect(sample(text, 'artdag_anchors', { state: 'pending' })).toBe(1);
    expect(sample(text, 'artdag_anchors', { state: 'created' })).toBe(0);
    expect(sample(text, 'artdag_anchors', { state: 'invalid' })).toBe(0);
  });
});

describe('the scrape-time cache', () => {
  it('shares one read among callers within the TTL and while in flight, reads again after it, and keeps no failure', async () => {
    let clock = 0;
    let reads = 0;
    let fail = false;
    const read = cachedReader(
      async () => {
        reads++;
        if (fail) throw new Error('store down');
        return reads;
      },
      { ttlMs: 5000, timeoutMs: 1000, now: () => clock },
    );
    expect(await Promise.all([read(), read()])).toEqual([1, 1]);
    clock = 4999;
    expect(await read()).toBe(1);
    clock = 5000;
    fail = true;
    await expect(read()).rejects.toThrow('store down');
    fail = false;
    expect(await read()).toBe(3);
    expect(reads).toBe(3);
  });

  it('gives up on a read that does not answer in time', async () => {
    const read = cachedReader(() => new Promise<number>(() => {}), { ttlMs: 5000, timeoutMs: 20 });
    await expect(read()).rejects.toThrow('no answer within 20 ms');
  });
});
