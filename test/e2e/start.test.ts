import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../src/bootstrap/ports.js';
import { createTestDatabase } from '../helpers/database.js';
import { client, registerAndLogin } from '../helpers/http.js';
import { isAlive, spawnL2 } from '../helpers/process.js';
import { Client, Connection } from '@temporalio/client';

const READY = /API: +(http:\/\/\S+)[\s\S]*Press Ctrl-C to stop\./;

function readPid(file: string): number {
  return Number.parseInt(fs.readFileSync(file, 'utf8').split('\n')[0]!, 10);
}

describe('npm start (everything embedded)', () => {
  const dataDir = path.join(inject('testRoot'), `start-${randomUUID()}`);
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('starts, serves, stops cleanly on Ctrl-C, and keeps users and tokens across a restart', async () => {
    const port = await freePort();
    const env = { ARTDAG_DATA: dataDir, HOST: '127.0.0.1', PORT: String(port) };

    const first = spawnL2(null, env);
    const [, apiUrl] = await first.waitFor(READY);
    expect(apiUrl).toBe(`http://127.0.0.1:${port}`);
    expect(first.stdout()).toContain(`Data dir:     ${dataDir}`);
    expect(first.stdout()).toMatch(/Embedded: +Postgres .*Temporal dev server/);
    expect(first.stdout()).toContain(`its password is in ${path.join(dataDir, 'secrets', 'operator-password')}`);
    const uiUrl = /Temporal UI: +(\S+)/.exec(first.stdout())![1]!;

    const api = client(apiUrl!);
    expect((await api.get('/ready')).body).toEqual({ status: 'ok', database: 'ok', temporal: 'ok' });
    expect((await fetch(uiUrl)).status).toBe(200);
    const token = await registerAndLogin(apiUrl!, 'restart_user');
    const operatorPassword = fs.readFileSync(path.join(dataDir, 'secrets', 'operator-password'), 'utf8').trim();
    expect((await api.post('/auth/login', { json: { username: 'giles', password: operatorPassword } })).status).toBe(200);
    expect(fs.statSync(path.join(dataDir, 'secrets', 'jwt-secret')).mode & 0o777).toBe(0o600);

    const second = spawnL2(null, { ...env, PORT: String(await freePort()) });
    expect((await second.exited).code).toBe(1);
    expect(second.stderr()).toMatch(/^artdag-l2: another instance \(pid \d+\) is running/);

    const postgresPid = readPid(path.join(dataDir, 'postgres', 'postmaster.pid'));
    const temporalPid = readPid(path.join(dataDir, 'temporal', 'temporal.pid'));
    expect(isAlive(postgresPid) && isAlive(temporalPid)).toBe(true);
    // A terminal's Ctrl-C arrives twice (directly and relayed by npm); that must not force an unclean exit.
    first.child.kill('SIGINT');
    first.child.kill('SIGINT');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(first.stderr()).not.toContain('forced exit');
    expect(isAlive(postgresPid)).toBe(false);
    expect(isAlive(temporalPid)).toBe(false);

    const again = spawnL2(null, env);
    await again.waitFor(READY);
    expect(again.stdout()).not.toContain('Operator:');
    const me = await api.get('/auth/me', { token });
    expect(me.status).toBe(200);
    expect(me.body.username).toBe('restart_user');
    again.child.kill('SIGTERM');
    expect((await again.exited).code).toBe(0);
  });
});

describe('start-up failures', () => {
  it('stops with one line naming a bad variable, exit code 1', async () => {
    const proc = spawnL2(null, { PORT: 'eighty' });
    expect((await proc.exited).code).toBe(1);
    expect(proc.stderr()).toBe('artdag-l2: PORT: expected a port number 0-65535\n');
  });

  it('says clearly when the port is taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      const proc = spawnL2(null, {
        HOST: '127.0.0.1',
        PORT: String(port),
        ARTDAG_DATA: path.join(inject('testRoot'), `busy-${randomUUID()}`),
      });
      expect((await proc.exited).code).toBe(1);
      expect(proc.stderr()).toBe(`artdag-l2: port ${port} on 127.0.0.1 is already in use: stop the other process or set PORT\n`);
    } finally {
      blocker.close();
    }
  });

  it('refuses to run the api role without external services', async () => {
    const proc = spawnL2('api', {});
    expect((await proc.exited).code).toBe(1);
    expect(proc.stderr()).toContain('needs DATABASE_URL and TEMPORAL_ADDRESS');
  });
});

describe('api and worker run apart', () => {
  it('serve one database and task queue from two processes', async () => {
    const database = await createTestDatabase({ migrated: false });
    const taskQueue = `apart-${randomUUID()}`;
    const env = {
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: inject('temporalNamespace'),
      TEMPORAL_TASK_QUEUE: taskQueue,
      JWT_SECRET: 'x'.repeat(40),
      ARTDAG_DATA: path.join(inject('testRoot'), `apart-${randomUUID()}`),
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
    };
    const apiProc = spawnL2('api', env);
    const workerProc = spawnL2('worker', env);
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      const [, apiUrl] = await apiProc.waitFor(READY);
      await workerProc.waitFor(/running \(worker\)[\s\S]*Press Ctrl-C/);
      expect(workerProc.stdout()).not.toContain('API:');
      expect((await client(apiUrl!).get('/ready')).status).toBe(200);
      // The api process migrated the database; the worker process runs workflows on the shared queue.
      await database.db('revoked_tokens').insert({ jti: 'expired', expires_at: new Date(0) });
      const temporal = new Client({ connection, namespace: inject('temporalNamespace') });
      const result = await temporal.workflow.execute('purgeExpiredRevocationsWorkflow', { taskQueue, workflowId: `apart-${randomUUID()}` });
      expect(result).toEqual({ purged: 1 });
    } finally {
      apiProc.child.kill('SIGTERM');
      workerProc.child.kill('SIGTERM');
      expect((await apiProc.exited).code).toBe(0);
      expect((await workerProc.exited).code).toBe(0);
      await connection.close();
      await database.drop();
    }
  });
});
