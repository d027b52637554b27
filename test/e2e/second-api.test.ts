// Scaling out as docker-compose.yml does: two api processes and a worker, started together on one fresh
// database, Temporal namespace and data volume, configured through *_FILE secrets. Whatever one api writes,
// the other serves; the image's HEALTHCHECK command passes against either.
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../src/bootstrap/ports.js';
import { contentHashOf } from '../../src/domain/content-hash.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { client, registerAndLogin } from '../helpers/http.js';
import { spawnL2, type L2Process } from '../helpers/process.js';

const run = promisify(execFile);
const READY = /API: +(http:\/\/\S+)[\s\S]*Press Ctrl-C to stop\./;
const dir = path.join(inject('testRoot'), `second-api-${randomUUID()}`);
const dataDir = path.join(dir, 'data');

let database: TestDatabase;
const processes: L2Process[] = [];
let first: string;
let second: string;

/** The secrets as deploy/make-secrets.sh writes them: one file each, newline-terminated. */
function secret(name: string, value: string): string {
  const file = path.join(dir, 'secrets', name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${value}\n`);
  return file;
}

beforeAll(async () => {
  database = await createTestDatabase({ migrated: false });
  const env = {
    DATABASE_URL_FILE: secret('database_url', database.url),
    JWT_SECRET_FILE: secret('jwt_secret', randomBytes(32).toString('hex')),
    STORAGE_ENCRYPTION_KEY_FILE: secret('storage_key', randomBytes(32).toString('hex')),
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: inject('temporalNamespace'),
    TEMPORAL_TASK_QUEUE: `second-api-${randomUUID()}`,
    ARTDAG_DATA: dataDir,
    HOST: '127.0.0.1',
  };
  // All three at once on an empty database, as `docker compose up` starts replicas.
  const [portA, portB] = [await freePort(), await freePort()];
  const a = spawnL2('api', { ...env, PORT: String(portA) });
  const b = spawnL2('api', { ...env, PORT: String(portB) });
  const worker = spawnL2('worker', { ...env, PORT: '0' });
  processes.push(a, b, worker);
  const [readyA, readyB] = await Promise.all([a.waitFor(READY), b.waitFor(READY)]);
  [first, second] = [readyA[1]!, readyB[1]!];
  await worker.waitFor(/running \(worker\)[\s\S]*Press Ctrl-C/);
});

afterAll(async () => {
  for (const p of processes) p.child.kill('SIGTERM');
  const exits = await Promise.all(processes.map((p) => p.exited));
  await database.drop();
  fs.rmSync(dir, { recursive: true, force: true });
  expect(exits.map((e) => e.code)).toEqual([0, 0, 0]);
});

describe('a second api process on the same database and Temporal', () => {
  it('is ready, and both migrated the fresh database without tripping over each other', async () => {
    for (const url of [first, second])
      expect((await client(url).get('/ready')).body).toEqual({ status: 'ok', database: 'ok', temporal: 'ok' });
    const names = (await database.db('knex_migrations').select('name')).map((r: { name: string }) => r.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.length).toBeGreaterThan(0);
  });

  it('accepts sessions made by the first and serves the same account', async () => {
    const token = await registerAndLogin(first, 'scaled_alice');
    const me = await client(second).get('/auth/me', { token });
    expect(me.status).toBe(200);
    expect(me.body.username).toBe('scaled_alice');
  });

  it('serves an asset, and its bytes, uploaded through the first', async () => {
    const token = await registerAndLogin(first, 'scaled_bob');
    const bytes = randomBytes(64 * 1024);
    const form = new FormData();
    form.append('name', 'shared-upload');
    form.append('asset_type', 'image');
    form.append('file', new Blob([bytes], { type: 'image/png' }), 'upload.png');
    const created = await fetch(`${first}/assets`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    expect(created.status).toBe(201);
    expect(((await created.json()) as { content_hash: string }).content_hash).toBe(contentHashOf(bytes));

    const asset = await client(second).get('/assets/shared-upload');
    expect(asset.status).toBe(200);
    expect(asset.body.content_hash).toBe(contentHashOf(bytes));
    expect(asset.body.owner).toBe('@scaled_bob@artdag.rose-ash.com');
    const content = await fetch(`${second}/assets/shared-upload/content`);
    expect(content.status).toBe(200);
    expect(Buffer.from(await content.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('shares one operator account whose first password is in the shared data volume', async () => {
    const password = fs.readFileSync(path.join(dataDir, 'secrets', 'operator-password'), 'utf8').trim();
    for (const url of [first, second]) {
      expect((await client(url).post('/auth/login', { json: { username: 'giles', password } })).status).toBe(200);
    }
    expect((await database.db('users').where({ is_operator: true }).count('* as n'))[0]!.n).toBe(1);
  });
});

describe("the image's HEALTHCHECK command", () => {
  const dockerfile = fs.readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');
  const command = JSON.parse(/^\s*CMD (\[.*\])$/m.exec(dockerfile.slice(dockerfile.indexOf('HEALTHCHECK')))![1]!) as string[];

  async function healthcheck(port: string): Promise<number> {
    expect(command[0]).toBe('node');
    try {
      await run(process.execPath, command.slice(1), { env: { PORT: port }, timeout: 10_000 });
      return 0;
    } catch (err) {
      return (err as { code: number }).code;
    }
  }

  it('passes against a ready api and fails where nothing listens', async () => {
    expect(await healthcheck(new URL(second).port)).toBe(0);
    expect(await healthcheck(String(await freePort()))).toBe(1);
  });
});
