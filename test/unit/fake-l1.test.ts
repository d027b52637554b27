// Proves the fake L1 serves runs and bytes like an L1 and misbehaves exactly as each fault promises.
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeL1, type FakeRun } from '../doubles/fake-l1.js';

const MiB = 1024 * 1024;

function sha3(bytes: Uint8Array): string {
  return createHash('sha3-256').update(bytes).digest('hex');
}

// Attaches handlers at once, so a promise that rejects before the test looks at it is never "unhandled".
function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

let l1: FakeL1;

beforeEach(async () => {
  l1 = await FakeL1.start();
});

afterEach(async () => {
  await l1.stop();
});

describe('the fake L1 when healthy', () => {
  it('listens on a loopback origin', () => {
    expect(l1.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('serves a run as JSON with the defaults filled in and extra fields kept', async () => {
    const input = l1.addCacheItem(Buffer.from('input image'));
    const run = l1.addRun({ run_id: 'r1', inputs: [input], username: 'alice', effects_commit: 'abc123' }, Buffer.from('output video'));

    const res = await fetch(`${l1.url}/runs/r1`);

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const body = (await res.json()) as FakeRun;
    expect(body).toEqual(run);
    expect(body).toMatchObject({ status: 'completed', recipe: 'recipe-r1', inputs: [input], username: 'alice', effects_commit: 'abc123' });
    expect(body.output_hash).toBe(sha3(Buffer.from('output video')));
    expect(Number.isNaN(Date.parse(String(body.completed_at)))).toBe(false);
  });

  it('leaves completed_at null for a run that has not completed', () => {
    expect(l1.addRun({ run_id: 'r2', status: 'running' }).completed_at).toBeNull();
  });

  it('names a run output it does not hold when none is given', async () => {
    const run = l1.addRun({ run_id: 'r3' });
    expect(run.output_hash).toMatch(/^[0-9a-f]{64}$/);
    expect((await fetch(`${l1.url}/cache/${run.output_hash}`)).status).toBe(404);
  });

  it('serves cached bytes whose SHA3-256 is their name, including a run output', async () => {
    const bytes = randomBytes(300_000);
    const hash = l1.addCacheItem(bytes);
    const output = l1.addRun({ run_id: 'r1' }, Buffer.from('rendered')).output_hash;

    const res = await fetch(`${l1.url}/cache/${hash}`);

    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('content-length')).toBe(String(bytes.length));
    expect(sha3(new Uint8Array(await res.arrayBuffer()))).toBe(hash);
    expect(Buffer.from(await (await fetch(`${l1.url}/cache/${output}`)).arrayBuffer()).toString()).toBe('rendered');
  });

  it('answers 404 for unknown runs, hashes and paths, and 405 for anything but GET', async () => {
    l1.addRun({ run_id: 'r1' });
    const unknownRun = await fetch(`${l1.url}/runs/nope`);
    expect(unknownRun.status).toBe(404);
    expect(await unknownRun.json()).toEqual({ detail: 'Run not found' });
    expect((await fetch(`${l1.url}/cache/${'0'.repeat(64)}`)).status).toBe(404);
    expect((await fetch(`${l1.url}/elsewhere`)).status).toBe(404);
    expect((await fetch(`${l1.url}/runs/%zz`)).status).toBe(404);
    const post = await fetch(`${l1.url}/runs/r1`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
  });

  it('records every request and lets a test wait for one that has arrived or is still to come', async () => {
    const later = l1.waitForRequest((r) => r.path === '/runs/second');
    await fetch(`${l1.url}/runs/first?verbose=1`, { headers: { 'x-trace': 't1' } });
    const already = await l1.waitForRequest((r) => r.path === '/runs/first');
    await fetch(`${l1.url}/runs/second`);

    expect(already).toMatchObject({ method: 'GET', path: '/runs/first' });
    expect(already.headers['x-trace']).toBe('t1');
    expect(await later).toBe(l1.requests[1]);
    expect(l1.requests.map((r) => r.path)).toEqual(['/runs/first', '/runs/second']);
  });
});

describe('the fake L1 bearer check', () => {
  it('refuses a missing or wrong token with 401 JSON and records the Authorization header', async () => {
    l1.addRun({ run_id: 'r1' });
    const seen: string[] = [];
    l1.requireBearer((token, req) => {
      seen.push(`${token} ${req.path}`);
      return token === 'good';
    });

    const missing = await fetch(`${l1.url}/runs/r1`);
    const wrong = await fetch(`${l1.url}/runs/r1`, { headers: { authorization: 'Bearer bad' } });
    const right = await fetch(`${l1.url}/runs/r1`, { headers: { authorization: 'Bearer good' } });

    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    expect(await missing.json()).toEqual({ detail: 'Not authenticated' });
    expect(wrong.status).toBe(401);
    expect(right.status).toBe(200);
    expect(seen).toEqual(['bad /runs/r1', 'good /runs/r1']);
    expect(l1.requests.map((r) => r.headers.authorization)).toEqual([undefined, 'Bearer bad', 'Bearer good']);

    l1.requireBearer(null);
    expect((await fetch(`${l1.url}/runs/r1`)).status).toBe(200);
  });
});

describe('the fake L1 faults', () => {
  it('answers a status `times` times and then recovers', async () => {
    l1.addRun({ run_id: 'r1' });
    l1.setFault('/runs/r1', { kind: 'status', status: 503, times: 2 });

    const first = await fetch(`${l1.url}/runs/r1`);
    const second = await fetch(`${l1.url}/runs/r1`);
    const third = await fetch(`${l1.url}/runs/r1`);

    expect([first.status, second.status, third.status]).toEqual([503, 503, 200]);
    expect(await first.json()).toEqual({ detail: 'Service Unavailable' });
  });

  it('keeps a status without `times` until cleared, with a custom body, on paths matched by a RegExp', async () => {
    const hash = l1.addCacheItem(Buffer.from('bytes'));
    l1.setFault(/^\/cache\//g, { kind: 'status', status: 502, body: 'upstream down' });

    const first = await fetch(`${l1.url}/cache/${hash}`);
    const second = await fetch(`${l1.url}/cache/${hash}`);
    expect([first.status, second.status]).toEqual([502, 502]);
    expect(first.headers.get('content-type')).toContain('text/plain');
    expect(await first.text()).toBe('upstream down');

    l1.setFault(/^\/cache\//g, null);
    expect((await fetch(`${l1.url}/cache/${hash}`)).status).toBe(200);
  });

  it('answers a slow path normally, but no earlier than the delay', async () => {
    l1.addRun({ run_id: 'r1' });
    l1.setFault('/runs/r1', { kind: 'slow', ms: 150 });

    const started = performance.now();
    const res = await fetch(`${l1.url}/runs/r1`);
    const elapsed = performance.now() - started;

    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { run_id: string }).run_id).toBe('r1');
  });

  it('answers an HTML page with 200 instead of JSON', async () => {
    l1.addRun({ run_id: 'r1' });
    l1.setFault('/runs/r1', { kind: 'html' });

    const res = await fetch(`${l1.url}/runs/r1`);

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    await expect(res.json()).rejects.toThrow(SyntaxError);
  });

  it('answers malformed JSON with 200 application/json', async () => {
    l1.setFault('/runs/r1', { kind: 'malformed-json' });

    const res = await fetch(`${l1.url}/runs/r1`);

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    await expect(res.json()).rejects.toThrow(SyntaxError);
  });

  it('serves different bytes of the same length than the hash names', async () => {
    const bytes = randomBytes(4096);
    const hash = l1.addCacheItem(bytes);
    l1.setFault(`/cache/${hash}`, { kind: 'wrong-bytes' });

    const body = new Uint8Array(await (await fetch(`${l1.url}/cache/${hash}`)).arrayBuffer());

    expect(body.length).toBe(bytes.length);
    expect(sha3(body)).not.toBe(hash);
  });

  it('truncates: declares the full length, sends half, and the body read fails', async () => {
    const bytes = randomBytes(2 * MiB);
    const hash = l1.addCacheItem(bytes);
    l1.setFault(`/cache/${hash}`, { kind: 'truncate' });

    const res = await fetch(`${l1.url}/cache/${hash}`);

    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(bytes.length));
    await expect(res.arrayBuffer()).rejects.toThrow();
  });

  it('streams endlessly until the client goes away, then stops writing', async () => {
    const hash = '0'.repeat(64);
    l1.setFault(/^\/cache\//, { kind: 'endless' });
    const controller = new AbortController();

    const res = await fetch(`${l1.url}/cache/${hash}`, { signal: controller.signal });
    const reader = res.body!.getReader();
    let received = 0;
    while (received <= 5 * MiB) {
      const chunk = await reader.read();
      if (chunk.done) throw new Error(`the endless stream ended after ${received} bytes`);
      received += chunk.value.byteLength;
    }
    controller.abort();

    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBeNull();
    expect(received).toBeGreaterThan(5 * MiB);
    await l1.waitForClose(await l1.waitForRequest((r) => r.path === `/cache/${hash}`));
  });

  it('hangs until the client aborts', async () => {
    l1.addRun({ run_id: 'r1' });
    l1.setFault('/runs/hung', { kind: 'hang' });
    const controller = new AbortController();

    const pending = settle(fetch(`${l1.url}/runs/hung`, { signal: controller.signal }));
    let settled = false;
    void pending.then(() => (settled = true));
    const request = await l1.waitForRequest((r) => r.path === '/runs/hung');
    // A whole round trip through the same server later, the hung request is still unanswered.
    expect((await fetch(`${l1.url}/runs/r1`)).status).toBe(200);
    expect(settled).toBe(false);
    controller.abort();

    expect((await pending).error).toMatchObject({ name: 'AbortError' });
    await l1.waitForClose(request);
  });

  it('resets the connection so the fetch rejects', async () => {
    l1.addRun({ run_id: 'r1' });
    l1.setFault('/runs/r1', { kind: 'reset' });

    const { error } = await settle(fetch(`${l1.url}/runs/r1`));

    expect(error).toBeInstanceOf(TypeError);
    expect(String((error as Error).cause)).toMatch(/ECONNRESET|other side closed|socket/i);
  });
});

describe('stopping the fake L1', () => {
  it('ends hanging and endless responses', async () => {
    l1.setFault('/runs/hung', { kind: 'hang' });
    l1.setFault(/^\/cache\//, { kind: 'endless' });

    const hung = settle(fetch(`${l1.url}/runs/hung`));
    const endless = await fetch(`${l1.url}/cache/${'0'.repeat(64)}`);
    const reading = settle(endless.arrayBuffer());
    await l1.waitForRequest((r) => r.path === '/runs/hung');
    await l1.stop();

    expect((await hung).error).toBeInstanceOf(TypeError);
    expect((await reading).error).toBeInstanceOf(Error);
    await expect(fetch(`${l1.url}/runs/hung`)).rejects.toThrow(TypeError);
  });
});
