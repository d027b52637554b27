// `npm run backup` and `npm run restore`, run as commands: a backup of a server holding users, sessions, assets with
// content, signed activities, anchors with proofs and sealed storage credentials, restored into a fresh instance
// (new database, new data directory), which then has all of it: the same rows, bytes, keys and secrets.
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startEmbeddedPostgres } from '../../src/bootstrap/embedded-postgres.js';
import { loadOrCreateSecret } from '../../src/bootstrap/secret-file.js';
import { createDb } from '../../src/db/knex.js';
import { verifyActivitySignature } from '../../src/domain/activity-signature.js';
import { contentHashOf } from '../../src/domain/content-hash.js';
import { open, parseKey } from '../../src/domain/secret-box.js';
import { createLogger } from '../../src/logger.js';
import { startRuntime, type Runtime } from '../../src/runtime.js';
import { FakeBitcoin } from '../doubles/fake-bitcoin.js';
import { FakeCalendar } from '../doubles/ots-calendar.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { client, registerAndLogin } from '../helpers/http.js';
import { testConfig } from '../helpers/server.js';

const run = promisify(execFile);
const root = path.join(inject('testRoot'), `backup-restore-${randomUUID()}`);
const AP = { accept: 'application/activity+json' };
const S3_SECRETS = { access_key_id: 'AKIARESTOREKEY5678', secret_access_key: 'restored-secret-value' };

let chain: FakeBitcoin;
let calendars: FakeCalendar[];
let env: Record<string, string>;
const databases: TestDatabase[] = [];
const runtimes: Runtime[] = [];

/** An instance as `npm start` makes one: JWT secret and storage key from its data directory. */
async function startInstance(dataDir: string, databaseUrl: string): Promise<{ url: string; runtime: Runtime }> {
  const config = testConfig({ ...env, ARTDAG_DATA: dataDir });
  const runtime = await startRuntime({
    config,
    logger: createLogger('silent'),
    role: 'all',
    databaseUrl,
    temporalAddress: config.temporal.address!,
    jwtSecret: loadOrCreateSecret(path.join(dataDir, 'secrets', 'jwt-secret')),
    workflowBundle: { codePath: inject('workflowBundlePath') },
  });
  runtimes.push(runtime);
  return { url: runtime.apiUrl!, runtime };
}

/** Runs `npm run backup` / `npm run restore` (the same command lines) with an instance's environment. */
async function command(script: 'backup' | 'restore', dataDir: string, databaseUrl: string | null, dir: string) {
  const vars: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    ARTDAG_DOMAIN: 'l2.test',
    ARTDAG_DATA: dataDir,
  };
  if (databaseUrl) vars.DATABASE_URL = databaseUrl;
  try {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', `scripts/${script}.ts`, dir], { env: vars });
    return { code: 0, stdout, stderr: '' };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Every table's rows (as JSON text, sorted) and every sequence's value: what "the same database" means here. */
async function snapshot(url: string): Promise<Record<string, string[]>> {
  const db = createDb(url, 1);
  try {
    const tables = await db.raw<{ rows: { name: string }[] }>(
      `SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() AND tablename NOT LIKE 'knex_migrations%' ORDER BY 1`,
    );
    const out: Record<string, string[]> = {};
    for (const { name } of tables.rows) {
      const rows = await db.raw<{ rows: { r: string }[] }>('SELECT row_to_json(t)::text AS r FROM ?? t', [name]);
      out[name] = rows.rows.map((r) => r.r).sort();
    }
    const sequences = await db.raw<{ rows: { name: string; value: string | null }[] }>(
      `SELECT sequencename AS name, last_value::text AS value FROM pg_sequences WHERE schemaname = current_schema() AND sequencename NOT LIKE 'knex_%'`,
    );
    out['(sequences)'] = sequences.rows.map((s) => `${s.name}=${s.value}`).sort();
    return out;
  } finally {
    await db.destroy();
  }
}

async function upload(url: string, token: string, name: string, bytes: Buffer) {
  const form = new FormData();
  form.append('name', name);
  form.append('asset_type', 'image');
  form.append('file', new Blob([bytes], { type: 'image/png' }), 'work.png');
  const res = await fetch(`${url}/assets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    body: form,
  });
  return { status: res.status, body: (await res.json()) as any };
}

// What the source instance held, to look for after the restore.
const source = {
  dataDir: path.join(root, 'source-data'),
  backup: path.join(root, 'backup'),
  content: randomBytes(200 * 1024),
  contentHash: '',
  aliceToken: '',
  bobRevokedToken: '',
  alicePublicKey: '',
  root: '',
  activityUuid: '',
  ots: Buffer.alloc(0),
  providerId: 0,
  rows: {} as Record<string, string[]>,
};
let sourceDb: TestDatabase;

beforeAll(async () => {
  chain = await FakeBitcoin.start();
  calendars = [await FakeCalendar.start(chain), await FakeCalendar.start(chain)];
  env = { OTS_CALENDARS: calendars.map((c) => c.url).join(','), OTS_MIN_CALENDARS: '2', BITCOIN_ESPLORA_URL: chain.esploraUrl };
  sourceDb = await createTestDatabase();
  databases.push(sourceDb);
  const { url, runtime } = await startInstance(source.dataDir, sourceDb.url);
  const api = client(url);

  source.aliceToken = await registerAndLogin(url, 'alice');
  const bob = await registerAndLogin(url, 'bob');
  expect((await api.post('/auth/logout', { token: bob })).status).toBeLessThan(300);
  source.bobRevokedToken = bob;
  const uploaded = await upload(url, source.aliceToken, 'kept-work', source.content);
  expect(uploaded.status).toBe(201);
  source.contentHash = uploaded.body.content_hash;
  const registered = await api.post('/assets', {
    token: source.aliceToken,
    json: { name: 'hash-only', content_hash: contentHashOf('elsewhere'), asset_type: 'video', tags: ['kept'] },
  });
  expect(registered.status).toBe(201);
  source.activityUuid = String(registered.body.activity_id).split('/').pop()!;
  const anchor = await api.post('/anchors/create', { token: source.aliceToken });
  expect(anchor.status).toBe(201);
  source.root = anchor.body.merkle_root;
  source.ots = Buffer.from(await (await fetch(`${url}/activities/${source.activityUuid}/ots`)).arrayBuffer());
  expect(source.ots.length).toBeGreaterThan(0);
  const provider = await api.post('/storage/add', {
    token: source.aliceToken,
    json: {
      name: 'bucket',
      type: 's3',
      config: { endpoint: 'https://s3.example.org', region: 'eu-west-1', bucket: 'art' },
      secrets: S3_SECRETS,
    },
  });
  expect(provider.status).toBe(201);
  source.providerId = provider.body.id;
  source.alicePublicKey = (await api.get('/users/alice', { headers: AP })).body.publicKey.publicKeyPem;

  // Quiet, so the rows compared below are the rows backed up (the backup itself is consistent either way).
  await runtime.stop();
  source.rows = await snapshot(sourceDb.url);
  const backup = await command('backup', source.dataDir, sourceDb.url, source.backup);
  expect(backup.stderr).toBe('');
  expect(backup.stdout).toMatch(/^backup written to .*: \d+ tables \(\d+ rows\), \d+ files/);
}, 120_000);

afterAll(async () => {
  for (const runtime of runtimes) await runtime.stop();
  for (const database of databases) await database.drop();
  for (const calendar of calendars) await calendar.stop();
  await chain.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('a backup restored into a fresh instance', () => {
  const dataDir = path.join(root, 'restored-data');
  let target: TestDatabase;
  let url: string;

  beforeAll(async () => {
    target = await createTestDatabase({ migrated: false });
    databases.push(target);
    const restored = await command('restore', dataDir, target.url, source.backup);
    expect(restored.stderr).toBe('');
    expect(restored.stdout).toMatch(/^restored .*: \d+ rows in \d+ tables, \d+ files \(\d+ bytes\), 1 sealed storage credentials checked/);
    url = (await startInstance(dataDir, target.url)).url;
  }, 120_000);

  it('has every row of every table and every sequence where it was', async () => {
    const rows = await snapshot(target.url);
    // Only the restored instance's own start may add rows: its login throttle. Everything else is identical.
    delete rows.rate_limits;
    const expected = { ...source.rows };
    delete expected.rate_limits;
    expect(rows).toEqual(expected);
    expect(rows.users!.length).toBe(3);
    expect(rows.assets!.length).toBe(2);
  });

  it('has the content bytes and the secrets, but not the old cluster password', () => {
    const file = path.join(dataDir, 'content', source.contentHash.slice(0, 2), source.contentHash.slice(2, 4), source.contentHash);
    expect(fs.readFileSync(file).equals(source.content)).toBe(true);
    for (const secret of ['jwt-secret', 'storage-key', 'operator-password'])
      expect(fs.readFileSync(path.join(dataDir, 'secrets', secret), 'utf8')).toBe(
        fs.readFileSync(path.join(source.dataDir, 'secrets', secret), 'utf8'),
      );
    expect(fs.existsSync(path.join(dataDir, 'secrets', 'postgres-password'))).toBe(false);
  });

  it('serves the assets and their content', async () => {
    const api = client(url);
    expect((await api.get('/assets/kept-work')).body).toMatchObject({
      name: 'kept-work',
      content_hash: source.contentHash,
      owner: '@alice@l2.test',
    });
    expect((await api.get('/assets/hash-only')).body).toMatchObject({ tags: ['kept'] });
    const content = await fetch(`${url}/assets/kept-work/content`);
    expect(content.status).toBe(200);
    expect(Buffer.from(await content.arrayBuffer()).equals(source.content)).toBe(true);
  });

  it('accepts sessions issued before the backup, still refuses revoked ones, and logs in with the old password', async () => {
    const api = client(url);
    expect((await api.get('/auth/me', { token: source.aliceToken })).body).toMatchObject({ username: 'alice' });
    expect((await api.get('/auth/me', { token: source.bobRevokedToken })).status).toBe(401);
    expect((await api.post('/auth/login', { json: { username: 'bob', password: 'a good password' } })).status).toBe(200);
  });

  it('keeps the actor keys: old activities verify, and new ones are signed with the same key', async () => {
    const api = client(url);
    const actor = await api.get('/users/alice', { headers: AP });
    expect(actor.body.publicKey.publicKeyPem).toBe(source.alicePublicKey);
    const raw = (await api.get(`/activities/${source.activityUuid}`, { headers: AP })).text;
    expect(verifyActivitySignature(raw, source.alicePublicKey)).toBe(true);
    const created = await api.post('/assets', {
      token: source.aliceToken,
      json: { name: 'after-restore', content_hash: contentHashOf('after restore'), asset_type: 'image' },
    });
    expect(created.status).toBe(201);
    const fresh = (await api.get(`/activities/${String(created.body.activity_id).split('/').pop()}`, { headers: AP })).text;
    expect(verifyActivitySignature(fresh, source.alicePublicKey)).toBe(true);
  });

  it('keeps the anchors and their proofs byte for byte', async () => {
    const api = client(url);
    const verify = await api.get(`/anchors/verify/${source.activityUuid}`);
    expect(verify.body).toMatchObject({ merkle_root: source.root, status: 'pending' });
    const ots = Buffer.from(await (await fetch(`${url}/activities/${source.activityUuid}/ots`)).arrayBuffer());
    expect(ots.equals(source.ots)).toBe(true);
  });

  it('opens the sealed storage credentials with the restored key', async () => {
    const listed = await client(url).get('/storage', { token: source.aliceToken });
    expect(listed.status).toBe(200);
    expect(listed.body.providers.find((p: { id: number }) => p.id === source.providerId).secrets).toEqual({
      access_key_id: 'AKIA…5678',
      secret_access_key: '********',
    });
    const row = await target.db('storage_providers').where({ id: source.providerId }).first();
    const key = parseKey(fs.readFileSync(path.join(dataDir, 'secrets', 'storage-key'), 'utf8'));
    expect(JSON.parse(open(row.secrets_encrypted, key))).toEqual(S3_SECRETS);
  });

  it('refuses to restore over a database that holds data', async () => {
    const again = await command('restore', path.join(root, 'other-data'), target.url, source.backup);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already holds data .*restore into a new, empty database/);
  });
});

describe('a damaged backup', () => {
  it('is refused before anything is written', async () => {
    const damaged = path.join(root, 'damaged');
    fs.cpSync(source.backup, damaged, { recursive: true });
    const file = path.join(damaged, 'database', 'assets.copy');
    const bytes = fs.readFileSync(file);
    bytes[0] = bytes[0]! ^ 1;
    fs.writeFileSync(file, bytes);
    const target = await createTestDatabase({ migrated: false });
    databases.push(target);
    const dataDir = path.join(root, 'damaged-target');
    const result = await command('restore', dataDir, target.url, damaged);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('database/assets.copy is damaged');
    expect(fs.existsSync(dataDir)).toBe(false);
    expect((await target.db.raw(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`)).rows[0].n).toBe(0);
  });
});

describe('the embedded Postgres', () => {
  it('restores into a new data directory, and backs up from its running cluster without stopping it', async () => {
    const dataDir = path.join(root, 'embedded-data');
    const restored = await command('restore', dataDir, null, source.backup);
    expect(restored.stderr).toBe('');
    expect(restored.code).toBe(0);
    // Started the way `npm start` starts it, on its own password (never taken from the backup).
    const pg = await startEmbeddedPostgres({
      dir: path.join(dataDir, 'postgres'),
      password: fs.readFileSync(path.join(dataDir, 'secrets', 'postgres-password'), 'utf8').trim(),
      database: 'artdag',
      persistent: true,
      logFile: path.join(dataDir, 'postgres.log'),
    });
    try {
      const rows = await snapshot(pg.url);
      expect(rows).toEqual(source.rows);
      const second = path.join(root, 'backup-of-embedded');
      const backup = await command('backup', dataDir, null, second);
      expect(backup.stderr).toBe('');
      const manifest = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
      const sums = (m: any) => Object.fromEntries(m.tables.map((t: any) => [t.table, t.sha256]));
      expect(sums(manifest(second))).toEqual(sums(manifest(source.backup)));
      expect(manifest(second).files.map((f: any) => f.path)).toEqual(manifest(source.backup).files.map((f: any) => f.path));
    } finally {
      await pg.stop();
    }
  }, 120_000);
});

describe('a backup taken while the server takes uploads', () => {
  it('restores whole assets only: every asset row in the snapshot comes with its content', async () => {
    const database = await createTestDatabase();
    databases.push(database);
    const dataDir = path.join(root, 'live-source');
    const { url } = await startInstance(dataDir, database.url);
    const token = await registerAndLogin(url, 'busy');
    const first = await upload(url, token, 'live-first', randomBytes(64 * 1024));
    expect(first.status).toBe(201);
    let writing = true;
    let uploaded = 1;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        expect((await upload(url, token, `live-${i}`, randomBytes(64 * 1024))).status).toBe(201);
        uploaded++;
      }
    })();
    const dir = path.join(root, 'live-backup');
    const backup = await command('backup', dataDir, database.url, dir);
    writing = false;
    await writer;
    expect(backup.stderr).toBe('');

    const target = await createTestDatabase({ migrated: false });
    databases.push(target);
    const restoredDir = path.join(root, 'live-restored');
    expect((await command('restore', restoredDir, target.url, dir)).stderr).toBe('');
    const assets = (await target.db('assets').where('name', 'like', 'live-%').select('content_hash')) as { content_hash: string }[];
    expect(assets.length).toBeGreaterThanOrEqual(1);
    expect(assets.length).toBeLessThanOrEqual(uploaded);
    for (const { content_hash: hash } of assets) {
      const file = path.join(restoredDir, 'content', hash.slice(0, 2), hash.slice(2, 4), hash);
      expect(contentHashOf(fs.readFileSync(file))).toBe(hash);
    }
  }, 120_000);
});
