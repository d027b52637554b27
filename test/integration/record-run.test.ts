import fs from 'node:fs';
import path from 'node:path';
import { jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentHashOf } from '../../src/domain/content-hash.js';
import { FakeL1 } from '../doubles/fake-l1.js';
import { client, registerAndLogin } from '../helpers/http.js';
import { startTestServer, TEST_JWT_SECRET, type TestServer } from '../helpers/server.js';

let server: TestServer;
let l1: FakeL1;
let api: ReturnType<typeof client>;
let alice: string;
let bob: string;

const MAX_CONTENT = 2 * 1024 * 1024;

beforeAll(async () => {
  l1 = await FakeL1.start();
  server = await startTestServer({ env: { L1_SERVERS: `${l1.url}/`, MAX_CONTENT_BYTES: String(MAX_CONTENT) } });
  api = client(server.url);
  alice = await registerAndLogin(server.url, 'alice');
  bob = await registerAndLogin(server.url, 'bob');
});
afterAll(async () => {
  await server.stop();
  await l1.stop();
});

const bytes = (label: string) => Buffer.from(`rendered output of ${label} `.repeat(100));

async function assetCount(): Promise<number> {
  return Number((await server.database.db('assets').count('* as n'))[0]!.n);
}

function storedFile(hash: string): string {
  return path.join(server.config.dataDir, 'content', hash.slice(0, 2), hash.slice(2, 4), hash);
}

describe('POST /assets/record-run', () => {
  it('records a completed run: verified output, new inputs, provenance, signed Creates', async () => {
    const inputA = l1.addCacheItem(Buffer.from('input a'));
    const inputB = l1.addCacheItem(Buffer.from('input b'));
    const run = l1.addRun(
      {
        run_id: 'run-1',
        inputs: [inputA, inputB],
        recipe: 'recipe-abc',
        username: 'alice',
        output_cid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
      },
      bytes('run-1'),
    );

    const res = await api.post('/assets/record-run', {
      token: alice,
      json: { run_id: 'run-1', l1_server: l1.url, output_name: 'first-render', tags: ['render'] },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: 'first-render',
      content_hash: run.output_hash,
      owner: '@alice@l2.test',
      tags: ['render'],
      ipfs_cid: run.output_cid,
      size_bytes: bytes('run-1').length,
      media_type: 'application/octet-stream',
      asset_type: 'other',
      provenance: {
        inputs: [inputA, inputB],
        recipe: 'recipe-abc',
        l1_server: l1.url,
        run_id: 'run-1',
        output: { content_hash: run.output_hash, ipfs_cid: run.output_cid },
      },
    });
    expect(fs.readFileSync(storedFile(run.output_hash)).equals(bytes('run-1'))).toBe(true);

    const inputs = await server.database.db('assets').whereIn('content_hash', [inputA, inputB]).orderBy('name');
    expect(inputs.map((a) => a.name).sort()).toEqual([`input-${inputA.slice(0, 16)}`, `input-${inputB.slice(0, 16)}`].sort());
    const creates = await server.database.db('activities').whereIn(
      'object_id',
      [inputA, inputB, run.output_hash].map((h) => `https://l2.test/objects/${h}`),
    );
    expect(creates).toHaveLength(3);
    expect(creates.every((a) => a.activity_type === 'Create')).toBe(true);

    const byRun = await api.get('/assets/by-run-id/run-1');
    expect(byRun.body.name).toBe('first-render');
  });

  it('calls the L1 with a short-lived token for that L1 and user', async () => {
    const call = l1.requests.find((r) => r.path === '/runs/run-1')!;
    const token = String(call.headers.authorization).replace(/^Bearer /, '');
    const { payload } = await jwtVerify(token, new TextEncoder().encode(TEST_JWT_SECRET), { audience: l1.url, issuer: 'https://l2.test' });
    expect(payload).toMatchObject({ sub: 'alice', token_use: 'l1', l2_server: 'https://l2.test' });
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(300);
    expect(String(call.headers['user-agent'])).toMatch(/^artdag-l2\//);
  });

  it('answers a repeat with the same asset and registers nothing new', async () => {
    const before = await assetCount();
    const again = await api.post('/assets/record-run', {
      token: alice,
      json: { run_id: 'run-1', l1_server: l1.url, output_name: 'first-render' },
    });
    expect(again.status).toBe(201);
    expect(again.body.name).toBe('first-render');
    expect(await assetCount()).toBe(before);
  });

  it('runs 50 concurrent identical requests as one job with one asset, and every caller gets it', async () => {
    l1.addRun({ run_id: 'run-50', username: 'alice' }, bytes('run-50'));
    l1.setFault('/runs/run-50', { kind: 'slow', ms: 300 });
    const before = await assetCount();
    const replies = await Promise.all(
      Array.from({ length: 50 }, () =>
        api.post('/assets/record-run', { token: alice, json: { run_id: 'run-50', l1_server: l1.url, output_name: 'fifty' } }),
      ),
    );
    expect(new Set(replies.map((r) => r.status))).toEqual(new Set([201]));
    expect(new Set(replies.map((r) => r.body.content_hash)).size).toBe(1);
    expect(await assetCount()).toBe(before + 1);
    expect(l1.requests.filter((r) => r.path === '/runs/run-50')).toHaveLength(1);
  });

  it('answers 202 with a status URL when the job outlasts `wait`, and the status URL reports it', async () => {
    l1.addRun({ run_id: 'run-slow', username: 'alice' }, bytes('run-slow'));
    l1.setFault('/runs/run-slow', { kind: 'slow', ms: 500 });
    const res = await api.post('/assets/record-run', {
      token: alice,
      json: { run_id: 'run-slow', l1_server: l1.url, output_name: 'slowpoke', wait: 0 },
    });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'running', job_id: `record-run:${l1.url}:run-slow` });
    expect(res.headers.get('location')).toBe(res.body.status_url);
    const status = await api.get(res.body.status_url, { token: alice });
    expect(status.status).toBe(200);
    expect(['running', 'completed']).toContain(status.body.status);
    expect(status.body.kind).toBe('record-run');
    expect((await api.get(res.body.status_url, { token: bob })).status).toBe(404);
    const done = await api.post(`/assets/record-run?wait=30`, {
      token: alice,
      json: { run_id: 'run-slow', l1_server: l1.url, output_name: 'slowpoke' },
    });
    expect(done.status).toBe(201);
    const finished = await api.get(res.body.status_url, { token: alice });
    expect(finished.body).toMatchObject({ status: 'completed', step: 'completed', result: { name: 'slowpoke' } });
  });

  it('retries L1 outages and finishes when the L1 recovers', async () => {
    l1.addRun({ run_id: 'run-flaky', username: 'alice' }, bytes('run-flaky'));
    l1.setFault('/runs/run-flaky', { kind: 'status', status: 503, times: 2 });
    const res = await api.post('/assets/record-run', {
      token: alice,
      json: { run_id: 'run-flaky', l1_server: l1.url, output_name: 'flaky', wait: 30 },
    });
    expect(res.status).toBe(201);
    expect(l1.requests.filter((r) => r.path === '/runs/run-flaky')).toHaveLength(3);
  });

  it('reports retrying with the last error while a download keeps failing, then completes', async () => {
    const run = l1.addRun({ run_id: 'run-trunc', username: 'alice' }, bytes('run-trunc'));
    const cachePath = `/cache/${run.output_hash}`;
    l1.setFault(cachePath, { kind: 'truncate' });
    const res = await api.post('/assets/record-run', {
      token: alice,
      json: { run_id: 'run-trunc', l1_server: l1.url, output_name: 'truncated', wait: 0 },
    });
    expect(res.status).toBe(202);
    await l1.waitForRequest((r) => r.path === cachePath && l1.requests.filter((q) => q.path === cachePath).length >= 3);
    const status = await api.get(res.body.status_url, { token: alice });
    expect(status.body.status).toBe('retrying');
    expect(status.body.attempt).toBeGreaterThanOrEqual(2);
    expect(status.body.last_error).toEqual(expect.any(String));
    expect(status.body.step).toBe('fetching_output');
    expect(fs.existsSync(storedFile(run.output_hash))).toBe(false);
    l1.setFault(cachePath, null);
    const done = await api.post('/assets/record-run', {
      token: alice,
      json: { run_id: 'run-trunc', l1_server: l1.url, output_name: 'truncated', wait: 60 },
    });
    expect(done.status).toBe(201);
    expect(fs.readFileSync(storedFile(run.output_hash)).equals(bytes('run-trunc'))).toBe(true);
  });
});

describe('record-run refusals (nothing registered)', () => {
  async function recordFails(runId: string, outputName: string, token = alice) {
    const before = await assetCount();
    const res = await api.post('/assets/record-run', {
      token,
      json: { run_id: runId, l1_server: l1.url, output_name: outputName, wait: 30 },
    });
    expect(await assetCount()).toBe(before);
    return res;
  }

  it('refuses an L1 that is not in L1_SERVERS with 403 and never calls it', async () => {
    const res = await api.post('/assets/record-run', {
      token: alice,
      json: { run_id: 'x', l1_server: 'http://127.0.0.1:1', output_name: 'x' },
    });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('l1_not_allowed');
  });

  it('answers 404 for an unknown run', async () => {
    const res = await recordFails('no-such-run', 'ghost');
    expect(res.status).toBe(404);
    expect(res.body.error.message).toContain('no-such-run');
  });

  it('answers 409 for a run that has not completed', async () => {
    l1.addRun({ run_id: 'run-busy', status: 'running', username: 'alice' }, bytes('busy'));
    const res = await recordFails('run-busy', 'busy');
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('run_not_completed');
  });

  it("answers 403 for another user's run", async () => {
    l1.addRun({ run_id: 'run-bobs', username: 'bob' }, bytes('bobs'));
    const res = await recordFails('run-bobs', 'stolen', alice);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('run_owned_by_another');
  });

  it('answers 502 when the L1 sends HTML or broken JSON or a malformed run', async () => {
    l1.addRun({ run_id: 'run-html', username: 'alice' }, bytes('html'));
    l1.setFault('/runs/run-html', { kind: 'html' });
    const html = await recordFails('run-html', 'html');
    expect(html.status).toBe(502);
    expect(html.body.error.message).toContain('not JSON');

    l1.addRun({ run_id: 'run-broken', username: 'alice' }, bytes('broken'));
    l1.setFault('/runs/run-broken', { kind: 'malformed-json' });
    expect((await recordFails('run-broken', 'broken')).status).toBe(502);

    l1.addRun({ run_id: 'run-malformed', username: 'alice', output_hash: 'not-a-hash' });
    const malformed = await recordFails('run-malformed', 'malformed');
    expect(malformed.status).toBe(502);
    expect(malformed.body.error.message).toContain('output_hash');
  });

  it('answers 422 when the output bytes do not match the hash, and stores nothing', async () => {
    const run = l1.addRun({ run_id: 'run-wrong', username: 'alice' }, bytes('wrong'));
    l1.setFault(`/cache/${run.output_hash}`, { kind: 'wrong-bytes' });
    const res = await recordFails('run-wrong', 'wrong');
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('content_hash_mismatch');
    expect(fs.existsSync(storedFile(run.output_hash))).toBe(false);
  });

  it('answers 413 for an endless body and for an output over the size cap', async () => {
    const endless = l1.addRun({ run_id: 'run-endless', username: 'alice' }, bytes('endless'));
    l1.setFault(`/cache/${endless.output_hash}`, { kind: 'endless' });
    const res = await recordFails('run-endless', 'endless');
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('content_too_large');

    l1.addRun({ run_id: 'run-huge', username: 'alice' }, Buffer.alloc(MAX_CONTENT + 1, 7));
    expect((await recordFails('run-huge', 'huge')).status).toBe(413);
  });

  it('answers 409 before downloading when the output is already registered by someone else', async () => {
    const output = bytes('already');
    await api.post('/assets', { token: bob, json: { name: 'bobs-first', content_hash: contentHashOf(output), asset_type: 'video' } });
    const run = l1.addRun({ run_id: 'run-dup', username: 'alice' }, output);
    const res = await recordFails('run-dup', 'dup');
    expect(res.status).toBe(409);
    expect(res.body.error.details.owner).toBe('@bob@l2.test');
    expect(l1.requests.some((r) => r.path === `/cache/${run.output_hash}`)).toBe(false);
  });

  it('validates the request', async () => {
    for (const [json, field] of [
      [{ l1_server: l1.url, output_name: 'x' }, 'run_id'],
      [{ run_id: 'a b', l1_server: l1.url, output_name: 'x' }, 'run_id'],
      [{ run_id: 'r', l1_server: 'ftp://x', output_name: 'x' }, 'l1_server'],
      [{ run_id: 'r', l1_server: l1.url, output_name: 'Bad Name' }, 'output_name'],
      [{ run_id: 'r', l1_server: l1.url, output_name: 'x', wait: 600 }, 'wait'],
    ] as const) {
      const res = await api.post('/assets/record-run', { token: alice, json });
      expect(res.status).toBe(400);
      expect(res.body.error.details.issues.map((i: { path: string }) => i.path)).toContain(field);
    }
    expect((await api.post('/assets/record-run', { json: { run_id: 'r', l1_server: l1.url, output_name: 'x' } })).status).toBe(401);
  });
});

describe('POST /assets/publish-cache', () => {
  it('publishes a cache item with its provenance, and a repeat returns it', async () => {
    const hash = l1.addCacheItem(Buffer.from('a cached still frame'));
    const body = { content_hash: hash, l1_server: l1.url, name: 'still', asset_type: 'image' };
    const res = await api.post('/assets/publish-cache', { token: bob, json: body });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: 'still',
      content_hash: hash,
      owner: '@bob@l2.test',
      asset_type: 'image',
      provenance: { l1_server: l1.url, run_id: null },
    });
    const before = await assetCount();
    expect((await api.post('/assets/publish-cache', { token: bob, json: body })).body.name).toBe('still');
    expect(await assetCount()).toBe(before);
  });

  it('refuses wrong bytes (422), an unknown item (404) and another user re-publishing the job (409)', async () => {
    const hash = l1.addCacheItem(Buffer.from('tampered in transit'));
    l1.setFault(`/cache/${hash}`, { kind: 'wrong-bytes' });
    const wrong = await api.post('/assets/publish-cache', {
      token: bob,
      json: { content_hash: hash, l1_server: l1.url, name: 'tampered' },
    });
    expect(wrong.status).toBe(422);
    const missing = await api.post('/assets/publish-cache', {
      token: bob,
      json: { content_hash: 'c'.repeat(64), l1_server: l1.url, name: 'missing' },
    });
    expect(missing.status).toBe(404);
    const still = (await server.database.db('assets').where({ name: 'still' }).first()).content_hash;
    const other = await api.post('/assets/publish-cache', { token: alice, json: { content_hash: still, l1_server: l1.url, name: 'mine' } });
    expect(other.status).toBe(409);
  });
});
