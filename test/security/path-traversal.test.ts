// Path traversal: no URL (encoded, double-encoded, backslashed or raw "..") reads a file outside what a route
// serves; the local store builds paths only from verified hashes; an upload's filename never becomes a path; and
// storage settings cannot point a provider outside its own prefix, neither when added nor when patched.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStorageProvider } from '../../src/storage/local-provider.js';
import { client, registerAndLogin } from '../helpers/http.js';
import { startTestServer, TEST_JWT_SECRET, type TestServer } from '../helpers/server.js';
import { operatorPassword } from './security-fixtures.js';

let server: TestServer;
let api: ReturnType<typeof client>;
let token: string;
let secrets: string[];

beforeAll(async () => {
  server = await startTestServer();
  api = client(server.url);
  token = await registerAndLogin(server.url, 'alice');
  const storageKey = fs.readFileSync(path.join(server.config.dataDir, 'secrets', 'storage-key'), 'utf8').trim();
  // What must never come back: our secrets, and markers of files a traversal would reach.
  secrets = [TEST_JWT_SECRET, operatorPassword(server), storageKey, '"name": "artdag-l2"', 'root:x:0:0', 'export function'];
});
afterAll(() => server.stop());

/** GET with the path sent exactly as written: fetch would resolve "../" before sending. */
function rawGet(target: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path: target, method: 'GET', headers: { accept: '*/*', ...headers } }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const HASH = 'a'.repeat(64);
const UP = [
  '..%2f..%2f..%2f..%2f',
  '%2e%2e%2f%2e%2e%2f%2e%2e%2f',
  '..%5c..%5c..%5c',
  '%252e%252e%252f%252e%252e%252f',
  '....%2f%2f....%2f%2f',
];
const TARGETS = ['package.json', 'etc%2fpasswd', 'secrets%2fstorage-key', 'secrets%2foperator-password', 'src%2fconfig.ts'];
const PREFIXES = [
  '/static/build/',
  '/docs/assets/',
  '/download/client/',
  '/objects/',
  '/assets/',
  '/asset/',
  '/activities/',
  '/anchors/',
  '/users/',
  '/storage/',
  `/assets/${HASH}/`,
];

describe('URLs', () => {
  it('never serve a file outside what the route serves, however the dots are written', async () => {
    const leaks: string[] = [];
    const probes = PREFIXES.flatMap((prefix) => UP.flatMap((up) => TARGETS.map((target) => `${prefix}${up}${target}`)));
    // Suffixes that routes add (content, ots, edit) after the traversing parameter.
    probes.push(...UP.map((up) => `/assets/${up}package.json/content`), ...UP.map((up) => `/anchors/${up}package.json/ots`));
    probes.push(...UP.map((up) => `/activities/${up}package.json/ots`), ...UP.map((up) => `/storage/${up}1/edit`));
    // Literal dots, which a client would normally resolve away.
    probes.push('/static/build/../../package.json', '/docs/assets/../../../package.json', '/download/client/../../package.json');
    probes.push('/static/build/..\\..\\package.json', '/docs/assets/..\\docs.routes.ts', '/objects/../../etc/passwd');
    // Names that are properties of every object rather than entries of an allow-list.
    probes.push(...['__proto__', 'constructor', 'hasOwnProperty', 'toString'].flatMap((n) => [`/docs/assets/${n}`, `/static/build/${n}`]));
    for (const probe of probes) {
      for (const headers of [{}, { authorization: `Bearer ${token}` }] as Record<string, string>[]) {
        const res = await rawGet(probe, headers);
        const leaked = secrets.filter((s) => res.body.includes(s));
        if (res.status < 300 || leaked.length) leaks.push(`${probe}: ${res.status} ${leaked.join(', ')}`);
      }
    }
    expect(leaks).toEqual([]);
    expect(probes.length).toBeGreaterThan(300);
  });

  it('still serves the files the routes do serve (the probes were refused for their paths alone)', async () => {
    const page = await api.get('/docs', { headers: { accept: 'text/html' } });
    const [, css] = /href="(\/static\/build\/[^"]+\.css)"/.exec(page.text) ?? [];
    expect((await rawGet(css!)).status).toBe(200);
    expect((await rawGet('/docs/assets/docs.css')).status).toBe(200);
  });
});

describe('the local store', () => {
  it('builds paths only from content hashes: traversing names read, find and delete nothing', async () => {
    const base = fs.mkdtempSync(path.join(server.config.dataDir, 'store-'));
    const root = path.join(base, 'content');
    const victim = path.join(base, 'victim');
    fs.writeFileSync(victim, 'keep me');
    const store = new LocalStorageProvider(root);
    const evil = [
      '../victim',
      '../../victim',
      `${HASH}/../../../../victim`,
      path.join(base, 'victim'),
      '..',
      HASH.toUpperCase(),
      `${HASH}\0`,
    ];
    for (const name of evil) {
      expect(await store.stat(name), name).toBeNull();
      expect(await store.has(name), name).toBe(false);
      await expect(store.get(name), name).resolves.toBeNull();
      await expect(store.remove(name), name).rejects.toThrow(TypeError);
    }
    // A put whose expected hash is a path stores nothing, anywhere.
    await expect(store.put(Readable.from([Buffer.from('bytes')]), { expectedHash: '../victim' })).rejects.toThrow(/hash/);
    expect(fs.readFileSync(victim, 'utf8')).toBe('keep me');
    expect(fs.readdirSync(base).sort()).toEqual(['content', 'victim']);
    expect(fs.readdirSync(path.join(root, 'tmp'))).toEqual([]);
  });

  it('ignores the filename of an upload: the bytes land under their hash, nowhere else', async () => {
    const marker = `artdag-pwned-${randomUUID()}`;
    const names = [`../../../../../../tmp/${marker}`, `..\\..\\..\\${marker}`, `/tmp/${marker}`, `${marker}/../../../${marker}`];
    for (const [i, filename] of names.entries()) {
      const form = new FormData();
      form.set('name', `traversal-${i}`);
      form.set('asset_type', 'image');
      form.set('file', new Blob([`upload ${i} ${marker}`]), filename);
      const res = await fetch(`${server.url}/assets`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
      expect(res.status, filename).toBe(201);
      const { content_hash: hash } = (await res.json()) as { content_hash: string };
      const content = path.join(server.config.dataDir, 'content');
      expect(fs.existsSync(path.join(content, hash.slice(0, 2), hash.slice(2, 4), hash))).toBe(true);
    }
    const found = (dir: string): string[] =>
      fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const full = path.join(dir, e.name);
        return e.name.includes(marker) ? [full] : e.isDirectory() ? found(full) : [];
      });
    expect(found(path.dirname(server.config.dataDir))).toEqual([]);
    expect(fs.existsSync(`/tmp/${marker}`)).toBe(false);
  });
});

describe('storage settings', () => {
  const s3 = {
    type: 's3',
    config: { region: 'us-east-1', bucket: 'mine' },
    secrets: { access_key_id: 'AKIAEXAMPLE', secret_access_key: 'x' },
  };

  it('refuses an S3 prefix or bucket that climbs out of its place when a provider is added', async () => {
    for (const config of [
      { ...s3.config, prefix: '../victim/' },
      { ...s3.config, prefix: 'a/../../victim/' },
      { ...s3.config, bucket: 'mine/../victim' },
    ]) {
      const res = await api.post('/storage/add', { token, json: { ...s3, name: `s3-${randomUUID()}`, config } });
      expect(res.status, JSON.stringify(config)).toBe(400);
    }
  });

  it('refuses the same through PATCH, which merges into the stored config, and keeps what was stored', async () => {
    const added = await api.post('/storage/add', { token, json: { ...s3, name: 'patched-s3' } });
    expect(added.status).toBe(201);
    for (const config of [{ prefix: '../victim/' }, { bucket: 'mine/../victim' }, { bucket: '..' }, { region: 'x/../../evil' }]) {
      const res = await api.request('PATCH', `/storage/${added.body.id}`, { token, json: { config } });
      expect(res.status, JSON.stringify(config)).toBe(400);
    }
    const local = await api.post('/storage/add', { token, json: { name: 'disk', type: 'local', config: { path: '/etc' } } });
    const patched = await api.request('PATCH', `/storage/${local.body.id}`, { token, json: { config: { path: '../../etc' } } });
    expect(patched.status).toBe(200);
    // The server's disk has no path setting: whatever is sent, nothing names a directory.
    expect(patched.body.config).toEqual({});
    const stored = await api.get(`/storage/${added.body.id}`, { token });
    expect(stored.body.config).toEqual({ region: 'us-east-1', bucket: 'mine' });
    const fine = await api.request('PATCH', `/storage/${added.body.id}`, { token, json: { config: { prefix: 'renders/2026/' } } });
    expect(fine.status, fine.text).toBe(200);
    expect(fine.body.config).toEqual({ region: 'us-east-1', bucket: 'mine', prefix: 'renders/2026/' });
  });
});
