// Secrets never reach a log line or a response that did not issue them: every log line of a server (all levels)
// is captured while accounts register, log in, change passwords, connect a device, attach L1s, make grants, add
// S3 credentials and fail in the ways that get logged; every response is kept. Then no password, token, JWT,
// key or cookie may appear anywhere but in the one response that deliberately hands it out.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVICE_GRANT_TYPE } from '../../src/api/routes/auth/device.schema.js';
import { client, CookieJar, type Reply, type RequestOptions } from '../helpers/http.js';
import { TEST_JWT_SECRET } from '../helpers/server.js';
import { HTML, operatorPassword } from './security-fixtures.js';
import { PASSWORDS, startWorld, type World } from './security-world.js';

const lines: string[] = [];
let world: World;
let s3: http.Server;
let s3Url: string;
/** Every response: what it said (status, headers, body) and the secrets it was meant to hand out. */
const responses: { label: string; text: string; issues: string[] }[] = [];
const secrets = new Map<string, string>();

const SECRET = {
  carol: 'carol-Pw-7f3a9c1e',
  carol2: 'carol-Pw-new-b81d44',
  dave: 'dave-Pw-5c2e8a90',
  wrong: 'wrong-Pw-91ac3e77',
  tooLong: `long-Pw-${'x'.repeat(1100)}`,
  accessKey: 'AKIAQX7ZTESTKEY12345',
  secretKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY1',
  newSecretKey: 'n3wS3cretK3y/ROTATED/abcdefghijklmnopqrst',
  ipfsAuthorization: 'Bearer ipfs-pinning-secret-5e1f0a',
};

beforeAll(async () => {
  // An S3 endpoint that refuses every request as real S3 does when the signature is wrong (naming the access key
  // id, as S3 does), and an IPFS API that refuses its authorization.
  s3 = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url?.startsWith('/api/v0/')) return res.writeHead(401, { 'content-type': 'text/plain' }).end('bad authorization');
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end(
        `<?xml version="1.0"?><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message><AWSAccessKeyId>${SECRET.accessKey}</AWSAccessKeyId></Error>`,
      );
    });
  });
  await new Promise<void>((resolve) => s3.listen(0, '127.0.0.1', resolve));
  s3Url = `http://127.0.0.1:${(s3.address() as AddressInfo).port}`;
  world = await startWorld({ log: { level: 'trace', destination: { write: (line: string) => void lines.push(line) } } });
  for (const [name, value] of Object.entries(SECRET)) secrets.set(name, value);
  for (const [name, value] of Object.entries(PASSWORDS)) secrets.set(`password ${name}`, value);
  secrets.set('renderer JWT', world.rendererJwt);
  secrets.set('grant', world.grantToken);
  secrets.set('JWT_SECRET', TEST_JWT_SECRET);
  secrets.set('operator password', operatorPassword(world.server));
  secrets.set('storage key', fs.readFileSync(path.join(world.server.config.dataDir, 'secrets', 'storage-key'), 'utf8').trim());
});
afterAll(async () => {
  await world?.stop();
  await new Promise((resolve) => s3?.close(resolve));
});

/** A client whose every response is kept; `issues` names the secrets a response may carry. */
function recorded(jar?: CookieJar) {
  const api = client(world.server.url, jar);
  return async (method: string, url: string, options: RequestOptions = {}, issues: string[] = []): Promise<Reply> => {
    const res = await api.request(method, url, options);
    const headers = [...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n');
    responses.push({ label: `${method} ${url} → ${res.status}`, text: `${headers}\n\n${res.text}`, issues });
    return res;
  };
}

/** Adds a token (and its signature alone, for JWTs) to what must not leak. */
function secret(name: string, value: string): string {
  secrets.set(name, value);
  const parts = value.split('.');
  if (parts.length === 3) secrets.set(`${name} signature`, parts[2]!);
  return value;
}

describe('a busy server', () => {
  it('registers, logs in, changes passwords and refuses bad ones', async () => {
    const call = recorded();
    expect((await call('POST', '/auth/register', { json: { username: 'carol', password: SECRET.carol } })).status).toBe(201);
    const login = await call('POST', '/auth/login', { json: { username: 'carol', password: SECRET.carol } }, ['carol token']);
    const token = secret('carol token', login.body.access_token);
    expect((await call('GET', '/auth/me', { token })).status).toBe(200);
    expect((await call('POST', '/auth/login', { json: { username: 'carol', password: SECRET.wrong } })).status).toBe(401);
    expect((await call('POST', '/auth/register', { json: { username: 'eve', password: SECRET.tooLong } })).status).toBe(400);
    const wrongCurrent = { current_password: SECRET.wrong, new_password: SECRET.carol2 };
    expect((await call('POST', '/auth/password', { token, json: wrongCurrent })).status).toBe(403);
    const change = { current_password: SECRET.carol, new_password: SECRET.carol2 };
    expect((await call('POST', '/auth/password', { token, json: change })).status).toBe(200);
    expect((await call('GET', '/auth/me', { token: `${token}x` })).status).toBe(401);
    expect((await call('GET', '/auth/me', { headers: { authorization: `Basic ${btoa(`carol:${SECRET.carol2}`)}` } })).status).toBe(401);
    expect((await call('POST', '/auth/logout', { token })).status).toBe(200);
    expect((await call('GET', '/auth/me', { token })).status).toBe(401);
  });

  it('runs the browser forms: register, log in, a wrong password, the device flow', async () => {
    const jar = new CookieJar();
    const call = recorded(jar);
    await call('GET', '/register', { headers: HTML });
    const csrf = jar.get('artdag_csrf')!;
    const form = (fields: Record<string, string>) => ({ form: { _csrf: csrf, ...fields }, headers: HTML });
    const reg = await call('POST', '/register', form({ username: 'dave', password: SECRET.dave }), ['dave cookie']);
    expect(reg.status).toBe(302);
    secret('dave cookie', jar.get('artdag_session')!);
    const bad = await call('POST', '/login', form({ username: 'dave', password: SECRET.wrong }));
    expect(bad.status).toBe(401);
    const login = await call('POST', '/login', form({ username: 'dave', password: SECRET.dave }), ['dave cookie 2']);
    expect(login.status).toBe(302);
    secret('dave cookie 2', jar.get('artdag_session')!);
    for (const page of ['/', '/storage', '/renderers', '/device', '/users/dave']) await call('GET', page, { headers: HTML });

    const device = recorded();
    const started = await device('POST', '/auth/device/code', { json: { client_id: 'artdag-cli' } }, ['device code']);
    secret('device code', started.body.device_code);
    expect((await call('GET', `/device?code=${started.body.user_code}`, { headers: HTML })).status).toBe(200);
    expect((await call('POST', '/device', form({ user_code: started.body.user_code, action: 'approve' }))).status).toBe(200);
    const poll = { json: { grant_type: DEVICE_GRANT_TYPE, device_code: started.body.device_code, client_id: 'artdag-cli' } };
    const issued = await device('POST', '/auth/device/token', poll, ['device token']);
    expect(issued.status).toBe(200);
    const token = secret('device token', issued.body.access_token);
    expect((await device('GET', '/auth/me', { token })).status).toBe(200);
    expect((await device('POST', '/auth/device/token', poll)).status).toBe(400);
    expect((await call('POST', '/logout', form({}))).status).toBe(302);
  });

  it('attaches L1s, makes and uses grants, and records a run through an L1 that fails once', async () => {
    const call = recorded();
    const login = await call('POST', '/auth/login', { json: { username: 'alice', password: PASSWORDS.alice } }, ['alice token']);
    const token = secret('alice token', login.body.access_token);
    const grant = await call('POST', '/renderers/grants', { token, json: { l1_server: world.l1.url } }, ['new grant']);
    secret('new grant', grant.body.token);
    const attach = await call('GET', `/renderers/attach?l1=${encodeURIComponent(world.l1.url)}`, { token }, ['attach JWT']);
    const jwt = secret('attach JWT', new URL(attach.headers.get('location')!).searchParams.get('auth_token')!);
    for (const t of [jwt, grant.body.token, world.grantToken, `${jwt}x`])
      await call('POST', '/auth/verify', { json: { token: t, l1_server: world.l1.url } });
    await call('POST', '/auth/verify', { json: { token: jwt, l1_server: world.l1b.url } });
    expect((await call('GET', '/renderers', { token })).status).toBe(200);
    expect((await call('GET', '/auth/me', { token: jwt })).status).toBe(401);

    world.l1.addRun({ run_id: 'secret-run', username: 'alice' }, Buffer.from('secret run bytes'));
    world.l1.setFault('/runs/secret-run', { kind: 'status', status: 500, times: 1, body: 'upstream exploded' });
    const run = await call('POST', '/assets/record-run', {
      token,
      json: { l1_server: world.l1.url, run_id: 'secret-run', output_name: 'secret-run', wait: 30 },
    });
    expect(run.status, run.text).toBe(201);
    world.l1.setFault('/runs/secret-other', { kind: 'status', status: 401, body: 'token refused' });
    world.l1.addRun({ run_id: 'secret-other', username: 'alice' });
    await call('POST', '/assets/record-run', {
      token,
      json: { l1_server: world.l1.url, run_id: 'secret-other', output_name: 'secret-other', wait: 10 },
    });
    // The tokens L2 minted to call the L1 on alice's behalf.
    for (const [i, r] of world.l1.requests.entries()) {
      const auth = r.headers.authorization;
      if (typeof auth === 'string' && auth.startsWith('Bearer ')) secret(`L1 call token ${i}`, auth.slice(7));
    }
    expect((await call('POST', '/renderers/detach', { token, json: { l1_server: world.l1.url } })).status).toBe(200);
  });

  it('stores S3 credentials, tests them against a refusing endpoint, and edits them', async () => {
    const jar = new CookieJar();
    const call = recorded(jar);
    const login = await call('POST', '/auth/login', { json: { username: 'bob', password: PASSWORDS.bob } }, ['bob token']);
    const token = secret('bob token', login.body.access_token);
    const s3Body = {
      name: 'bucket',
      type: 's3',
      config: { endpoint: s3Url, region: 'us-east-1', bucket: 'mine', force_path_style: true },
      secrets: { access_key_id: SECRET.accessKey, secret_access_key: SECRET.secretKey },
    };
    const added = await call('POST', '/storage/add', { token, json: s3Body });
    expect(added.status).toBe(201);
    const id = added.body.id as number;
    await call('GET', '/storage', { token });
    await call('GET', `/storage/${id}`, { token });
    const tested = await call('POST', `/storage/${id}/test`, { token });
    expect(tested.body.ok).toBe(false);
    await call('PATCH', `/storage/${id}`, { token, json: { secrets: { secret_access_key: SECRET.newSecretKey } } });
    await call('POST', `/storage/${id}/test`, { token });
    const ipfs = await call('POST', '/storage/add', {
      token,
      json: { name: 'pins', type: 'ipfs', config: { api_url: s3Url }, secrets: { authorization: SECRET.ipfsAuthorization } },
    });
    expect(ipfs.status).toBe(201);
    expect((await call('POST', `/storage/${ipfs.body.id}/test`, { token })).body.ok).toBe(false);
    // Bad input alongside new credentials: the form comes back without them.
    await call('POST', '/storage/add', { token, json: { ...s3Body, name: 'bucket' } });

    const browserLogin = recorded(jar);
    await browserLogin('GET', '/login', { headers: HTML });
    const csrf = jar.get('artdag_csrf')!;
    await browserLogin('POST', '/login', { form: { _csrf: csrf, username: 'bob', password: PASSWORDS.bob }, headers: HTML }, [
      'bob cookie',
    ]);
    secret('bob cookie', jar.get('artdag_session')!);
    const editForm = { _csrf: csrf, name: 'bucket', enabled: 'on', endpoint: s3Url, region: 'us-east-1', bucket: 'BAD..NAME' };
    const edit = await call('POST', `/storage/${id}/edit`, {
      form: { ...editForm, secret_access_key: SECRET.newSecretKey, access_key_id: SECRET.accessKey },
      headers: HTML,
    });
    expect(edit.status).toBe(400);
    const addForm = {
      _csrf: csrf,
      type: 's3',
      name: 'x',
      region: 'us-east-1',
      bucket: 'BAD..NAME',
      access_key_id: SECRET.accessKey,
      secret_access_key: SECRET.secretKey,
    };
    expect((await call('POST', '/storage', { form: addForm, headers: HTML })).status).toBe(400);
    for (const page of ['/storage', `/storage/${id}/edit`, `/storage/${id}/delete`]) await call('GET', page, { headers: HTML });
    await call('POST', `/storage/${id}/test`, { form: { _csrf: csrf }, headers: HTML });
  });
});

describe('what was said', () => {
  const JWT = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/;
  const SENSITIVE_KEYS = new Set([
    'authorization',
    'cookie',
    'set-cookie',
    'password',
    'current_password',
    'new_password',
    'access_token',
    'token',
    'device_code',
    'secret_access_key',
    'secrets',
  ]);

  function keysOf(value: unknown, out: string[] = []): string[] {
    if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        out.push(k.toLowerCase());
        keysOf(v, out);
      }
    }
    return out;
  }

  it('logged plenty, from the api and the worker', async () => {
    expect(lines.length).toBeGreaterThan(50);
    expect(lines.some((l) => l.includes('"msg":"request"') && l.includes('/auth/login'))).toBe(true);
    // The worker's failures too (the L1 that failed once), through the Temporal runtime's logger.
    expect(lines.some((l) => l.includes('"msg":"Activity failed"') && l.includes('fetchL1Run'))).toBe(true);
    // A short private key for the stored-secrets checks: every user's password hash and signing key.
    const db = world.server.database.db;
    for (const u of await db('users').select('username', 'password_hash')) secrets.set(`hash of ${u.username}`, u.password_hash);
    for (const k of await db('actor_keys').select('id', 'private_key_pem'))
      secrets.set(`private key ${k.id}`, k.private_key_pem.split('\n')[1]);
  });

  it('logged no secret, no JWT, no Authorization or cookie value, and no field named for a secret', () => {
    const found: string[] = [];
    for (const line of lines) {
      for (const [name, value] of secrets) if (line.includes(value)) found.push(`${name} in ${line.slice(0, 200)}`);
      if (JWT.test(line)) found.push(`a JWT in ${line.slice(0, 200)}`);
      if (/Bearer\s|agr_[A-Za-z0-9_-]{20}/.test(line)) found.push(`a bearer token in ${line.slice(0, 200)}`);
      const parsed = JSON.parse(line) as unknown;
      for (const key of keysOf(parsed)) if (SENSITIVE_KEYS.has(key)) found.push(`key "${key}" in ${line.slice(0, 200)}`);
    }
    expect(found).toEqual([]);
  });

  it('answered no secret in any response except the one that issues it', () => {
    expect(responses.length).toBeGreaterThan(50);
    const found: string[] = [];
    for (const r of responses) {
      for (const [name, value] of secrets) {
        if (!r.issues.some((i) => name === i || name === `${i} signature`) && r.text.includes(value)) found.push(`${name} in ${r.label}`);
      }
      if (r.issues.length === 0 && JWT.test(r.text)) found.push(`a JWT in ${r.label}`);
    }
    expect(found).toEqual([]);
  });
});
