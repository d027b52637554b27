import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FakeL1 } from '../doubles/fake-l1.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { client, registerAndLogin } from '../helpers/http.js';
import { spawnL2, type L2Process } from '../helpers/process.js';
import { startTestServer, TEST_JWT_SECRET, type TestServer } from '../helpers/server.js';

let l1: FakeL1;
let database: TestDatabase;
let api: TestServer;
const workers: L2Process[] = [];

beforeAll(async () => {
  l1 = await FakeL1.start();
  database = await createTestDatabase();
  api = await startTestServer({ env: { L1_SERVERS: l1.url }, role: 'api', database });
});
afterAll(async () => {
  for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
  await api.stop();
  await database.drop();
  await l1.stop();
});

async function startWorker(): Promise<L2Process> {
  const worker = spawnL2('worker', {
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: inject('temporalNamespace'),
    TEMPORAL_TASK_QUEUE: api.config.temporal.taskQueue,
    JWT_SECRET: TEST_JWT_SECRET,
    ARTDAG_DATA: api.config.dataDir,
    ARTDAG_DOMAIN: api.config.domain,
    L1_SERVERS: l1.url,
    ALLOW_PRIVATE_NETWORK: 'true',
  });
  workers.push(worker);
  await worker.waitFor(/running \(worker\)/);
  return worker;
}

/** Resolves once some session of this database waits on a lock (checked every 50 ms). */
async function someoneWaitsOnALock(locker: pg.Client): Promise<void> {
  for (;;) {
    const { rows } = await locker.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'`, [
      database.name,
    ]);
    if (rows[0].n > 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('record-run survives a worker crash', () => {
  it(
    'completes after kill -9 between the verified download and registration, with one asset and one Create',
    { timeout: 180_000 },
    async () => {
      const token = await registerAndLogin(api.url, 'crashy');
      const input = l1.addCacheItem(Buffer.from('crash input'));
      const run = l1.addRun({ run_id: 'run-crash', username: 'crashy', inputs: [input] }, Buffer.from('crash output '.repeat(1000)));
      const first = await startWorker();

      // Hold registration: inserts into assets wait for this lock; reads do not.
      const locker = new pg.Client({ connectionString: database.url });
      await locker.connect();
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE assets IN EXCLUSIVE MODE');

      const body = { run_id: 'run-crash', l1_server: l1.url, output_name: 'survivor' };
      const started = await client(api.url).post('/assets/record-run?wait=0', { token, json: body });
      expect(started.status).toBe(202);

      const download = await l1.waitForRequest((r) => r.path === `/cache/${run.output_hash}`);
      await l1.waitForClose(download);
      await someoneWaitsOnALock(locker);

      first.child.kill('SIGKILL');
      expect((await first.exited).signal).toBe('SIGKILL');
      await locker.query('COMMIT');
      await locker.end();

      const second = await startWorker();
      const done = await client(api.url).post('/assets/record-run?wait=60', { token, json: body });
      expect(done.status).toBe(201);
      expect(done.body).toMatchObject({
        name: 'survivor',
        content_hash: run.output_hash,
        provenance: { run_id: 'run-crash', inputs: [input] },
      });

      const outputs = await database.db('assets').where({ content_hash: run.output_hash });
      expect(outputs).toHaveLength(1);
      const creates = await database
        .db('activities')
        .where({ object_id: `https://l2.test/objects/${run.output_hash}`, activity_type: 'Create' });
      expect(creates).toHaveLength(1);
      expect(await database.db('assets').where({ content_hash: input })).toHaveLength(1);
      // The run was read and the output downloaded once: the restarted worker only repeated registration.
      expect(l1.requests.filter((r) => r.path === '/runs/run-crash')).toHaveLength(1);
      expect(l1.requests.filter((r) => r.path === `/cache/${run.output_hash}`)).toHaveLength(1);

      second.child.kill('SIGTERM');
      expect((await second.exited).code).toBe(0);
    },
  );
});
