import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentHashOf } from '../../src/domain/content-hash.js';
import { client, CookieJar, registerAndLogin } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { closedPort } from '../helpers/storage-servers.js';

let server: TestServer;
let api: ReturnType<typeof client>;
let alice: string;
let bob: string;

beforeAll(async () => {
  server = await startTestServer({ env: { MAX_CONTENT_BYTES: String(4 * 1024 * 1024) } });
  api = client(server.url);
  alice = await registerAndLogin(server.url, 'alice');
  bob = await registerAndLogin(server.url, 'bob');
});
afterAll(() => server.stop());

async function upload(token: string, fields: Record<string, string>, bytes: Buffer | null, query = '') {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  if (bytes) form.append('file', new Blob([bytes], { type: 'image/png' }), 'picture.png');
  const res = await fetch(`${server.url}/assets${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    body: form,
  });
  return { status: res.status, body: (await res.json()) as any };
}

describe('storage providers', () => {
  it('adds an S3 provider with sealed credentials that are never returned', async () => {
    const res = await api.post('/storage/add', {
      token: alice,
      json: {
        name: 'my-bucket',
        type: 's3',
        config: { endpoint: 'https://s3.example.org', region: 'eu-west-1', bucket: 'art-works' },
        secrets: { access_key_id: 'AKIAEXAMPLEKEY1234', secret_access_key: 'super-secret-value' },
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: 'my-bucket',
      type: 's3',
      enabled: true,
      config: { endpoint: 'https://s3.example.org', region: 'eu-west-1', bucket: 'art-works' },
    });
    expect(res.body.secrets).toEqual({ access_key_id: 'AKIA…1234', secret_access_key: '********' });
    expect(res.text).not.toContain('super-secret-value');
    const row = await server.database.db('storage_providers').where({ id: res.body.id }).first();
    expect(row.secrets_encrypted.toString('latin1')).not.toContain('super-secret');
    expect(JSON.stringify(row.config)).not.toContain('secret');
    const listed = await api.get('/storage', { token: alice });
    expect(JSON.stringify(listed.body)).not.toContain('super-secret-value');
  });

  it('lets only the owner see, change, test or delete a provider', async () => {
    const { body } = await api.post('/storage/add', { token: alice, json: { name: 'disk', type: 'local' } });
    for (const [method, path, json] of [
      ['GET', `/storage/${body.id}`, undefined],
      ['PATCH', `/storage/${body.id}`, { enabled: false }],
      ['POST', `/storage/${body.id}/test`, undefined],
      ['DELETE', `/storage/${body.id}`, undefined],
    ] as const) {
      expect((await api.request(method, path, { token: bob, json })).status).toBe(404);
    }
    expect((await api.get('/storage', { token: bob })).body.providers).toEqual([]);
    const patched = await api.request('PATCH', `/storage/${body.id}`, { token: alice, json: { enabled: false, priority: 5 } });
    expect(patched.body).toMatchObject({ enabled: false, priority: 5 });
    const test = await api.post(`/storage/${body.id}/test`, { token: alice });
    expect(test.body).toMatchObject({ ok: true });
    expect(test.body.checks.map((c: { name: string }) => c.name)).toEqual(['write', 'delete', 'space']);
    expect((await api.request('DELETE', `/storage/${body.id}`, { token: alice })).status).toBe(204);
    expect((await api.get(`/storage/${body.id}`, { token: alice })).status).toBe(404);
  });

  it.each([
    [{ name: 'x', type: 'ftp' }, 'type'],
    [
      { name: 'x', type: 's3', config: { region: 'eu-west-1', bucket: 'b' }, secrets: { access_key_id: 'a', secret_access_key: 'b' } },
      'config.bucket',
    ],
    [
      { name: 'x', type: 's3', config: { region: 'eu-west-1', bucket: 'bucket' }, secrets: { access_key_id: 'a' } },
      'secrets.secret_access_key',
    ],
    [
      {
        name: 'x',
        type: 's3',
        config: { region: 'eu-west-1', bucket: 'bucket', prefix: '../../etc' },
        secrets: { access_key_id: 'a', secret_access_key: 'b' },
      },
      'config.prefix',
    ],
    [{ name: 'x', type: 'ipfs', config: { api_url: 'not a url' } }, 'config.api_url'],
    [{ type: 'local' }, 'name'],
  ])('refuses %j naming %s', async (json, field) => {
    const res = await api.post('/storage/add', { token: alice, json });
    expect(res.status).toBe(400);
    expect(res.body.error.details.issues.map((i: { path: string }) => i.path)).toContain(field);
  });

  it('refuses endpoints at private addresses and duplicate names', async () => {
    const strict = await startTestServer({ env: { ALLOW_PRIVATE_NETWORK: 'false' } });
    try {
      const token = await registerAndLogin(strict.url, 'carol');
      const res = await client(strict.url).post('/storage/add', {
        token,
        json: { name: 'meta', type: 'ipfs', config: { api_url: 'http://169.254.169.254:5001' } },
      });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('endpoint_not_allowed');
    } finally {
      await strict.stop();
    }
    await api.post('/storage/add', { token: alice, json: { name: 'twice', type: 'local' } });
    const again = await api.post('/storage/add', { token: alice, json: { name: 'twice', type: 'local' } });
    expect(again.status).toBe(409);
  });

  it('tests a provider whose endpoint refuses connections and says so', async () => {
    const { body } = await api.post('/storage/add', {
      token: alice,
      json: { name: 'dead-node', type: 'ipfs', config: { api_url: `http://127.0.0.1:${await closedPort()}` } },
    });
    const res = await api.post(`/storage/${body.id}/test`, { token: alice });
    expect(res.body).toMatchObject({ ok: false, failure: 'refused' });
    const row = await server.database.db('storage_providers').where({ id: body.id }).first();
    expect(row.last_test_ok).toBe(false);
    await api.request('DELETE', `/storage/${body.id}`, { token: alice });
  });

  it('serves the per-type form fragments and the page with a CSRF-protected form', async () => {
    const s3 = await api.get('/storage/type/s3', { headers: { accept: 'text/html' } });
    expect(s3.text).toContain('name="bucket"');
    expect((await api.get('/storage/type/ftp')).status).toBe(404);
    const jar = new CookieJar();
    const browser = client(server.url, jar);
    await browser.post('/login', { form: { username: 'bob', password: 'a good password' }, headers: { accept: 'text/html' } });
    const pageBefore = await browser.get('/storage', { headers: { accept: 'text/html' } });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(pageBefore.text)![1]!;
    const bad = await browser.post('/storage', {
      form: { _csrf: csrf, name: '', type: 's3', region: 'eu-west-1', bucket: 'x' },
      headers: { accept: 'text/html' },
    });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('id="bucket-error"');
    const ok = await browser.post('/storage', {
      form: { _csrf: csrf, name: 'form-disk', type: 'local' },
      headers: { accept: 'text/html' },
    });
    expect(ok.status).toBe(303);
    expect((await api.get('/storage', { token: bob })).body.providers.map((p: { name: string }) => p.name)).toEqual(['form-disk']);
    const noToken = await browser.post('/storage', { form: { name: 'sneaky', type: 'local' }, headers: { accept: 'text/html' } });
    expect(noToken.status).toBe(403);
  });
});

describe('uploads and content', () => {
  const bytes = randomBytes(300_000);

  it('registers an upload with the hash computed by the server and serves it back, with ranges', async () => {
    const res = await upload(alice, { name: 'uploaded', asset_type: 'image', tags: 'upload' }, bytes);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: 'uploaded',
      content_hash: contentHashOf(bytes),
      size_bytes: bytes.length,
      media_type: 'image/png',
      tags: ['upload'],
    });
    const whole = await fetch(`${server.url}/assets/uploaded/content`);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect(whole.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await whole.arrayBuffer()).equals(bytes)).toBe(true);
    const part = await fetch(`${server.url}/assets/uploaded/content`, { headers: { range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${bytes.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(100, 200))).toBe(true);
    const tail = await fetch(`${server.url}/assets/uploaded/content`, { headers: { range: 'bytes=-10' } });
    expect(Buffer.from(await tail.arrayBuffer()).equals(bytes.subarray(-10))).toBe(true);
    const outside = await fetch(`${server.url}/assets/uploaded/content`, { headers: { range: `bytes=${bytes.length}-` } });
    expect(outside.status).toBe(416);
    expect(outside.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
  });

  it('pins the upload to each enabled provider and shows the state on the asset page', async () => {
    const { body: provider } = await api.post('/storage/add', { token: bob, json: { name: 'server-disk', type: 'local' } });
    const other = randomBytes(5000);
    const res = await upload(bob, { name: 'pinned-work', asset_type: 'image' }, other);
    expect(res.status).toBe(201);
    await server.runtime.temporal.workflow.getHandle(`pin:${res.body.content_hash}`).result();
    const pin = await server.database.db('asset_pins').where({ provider_id: provider.id }).first();
    expect(pin).toMatchObject({ status: 'pinned', attempts: 1 });
    const page = await api.get('/asset/pinned-work', { headers: { accept: 'text/html' } });
    expect(page.text).toMatch(/data-pin="pinned">server-disk \(local\): pinned/);
  });

  it('refuses an upload whose declared hash does not match, and keeps nothing', async () => {
    const other = randomBytes(1000);
    const res = await upload(alice, { content_hash: 'a'.repeat(64), name: 'mismatch', asset_type: 'image' }, other);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('content_hash_mismatch');
    const hash = contentHashOf(other);
    expect(fs.existsSync(`${server.config.dataDir}/content/${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash}`)).toBe(false);
  });

  it('refuses content over the size cap (413), a missing file (400) and bad fields (400), keeping nothing', async () => {
    const big = await upload(alice, { name: 'too-big', asset_type: 'video' }, randomBytes(5 * 1024 * 1024));
    expect(big.status).toBe(413);
    expect((await upload(alice, { name: 'no-file', asset_type: 'image' }, null)).body.error.code).toBe('missing_file');
    const bad = randomBytes(2000);
    const invalid = await upload(alice, { name: 'Bad Name', asset_type: 'image' }, bad);
    expect(invalid.status).toBe(400);
    const hash = createHash('sha3-256').update(bad).digest('hex');
    expect(fs.existsSync(`${server.config.dataDir}/content/${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash}`)).toBe(false);
    expect(await server.database.db('assets').whereIn('name', ['too-big', 'no-file', 'Bad Name'])).toHaveLength(0);
  });

  it('answers 404 for content nobody holds', async () => {
    await api.post('/assets', { token: alice, json: { name: 'hash-only', content_hash: 'b'.repeat(64), asset_type: 'image' } });
    const res = await api.get('/assets/hash-only/content');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('content_unavailable');
  });
});
