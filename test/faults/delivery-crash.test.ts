import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { contentHashOf } from '../../src/domain/content-hash.js';
import { FakeFediverse } from '../doubles/fake-fediverse.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { client, registerAndLogin } from '../helpers/http.js';
import { deliveryFinished } from '../helpers/delivery.js';
import { spawnL2, type L2Process } from '../helpers/process.js';
import { startTestServer, TEST_JWT_SECRET, type TestServer } from '../helpers/server.js';

const HOSTS = 20;
const PER_HOST = 10;

let database: TestDatabase;
let api: TestServer;
const hosts: FakeFediverse[] = [];
const workers: L2Process[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  api = await startTestServer({ role: 'api', database });
  for (let i = 0; i < HOSTS; i++) hosts.push(await FakeFediverse.start());
});
afterAll(async () => {
  for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
  await api.stop();
  await database.drop();
  for (const host of hosts) await host.stop();
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
    ALLOW_PRIVATE_NETWORK: 'true',
    DELIVERY_RETRY_SCHEDULE: '1,1,1,1,1',
  });
  workers.push(worker);
  await worker.waitFor(/running \(worker\)/);
  return worker;
}

describe('fan-out survives a worker crash', () => {
  it('every one of 200 inboxes on 20 hosts receives the Create at least once after kill -9 mid fan-out', { timeout: 180_000 }, async () => {
    const token = await registerAndLogin(api.url, 'popular');
    const user = await database.db('users').where({ username: 'popular' }).first();
    const inboxes: string[] = [];
    for (const host of hosts) {
      for (let i = 0; i < PER_HOST; i++) {
        const actor = host.addActor(`f${i}`, { sharedKey: true });
        inboxes.push(actor.inbox);
        await database.db('followers').insert({ user_id: user.id, actor_id: actor.id, inbox_url: actor.inbox, state: 'accepted' });
      }
    }
    // Inboxes accept but do not answer yet: the fan-out is mid-flight when the worker dies.
    for (const host of hosts) host.hold();
    const first = await startWorker();

    const res = await client(api.url).post('/assets', {
      token,
      json: { name: 'big-news', content_hash: contentHashOf('big news'), asset_type: 'video' },
    });
    expect(res.status).toBe(201);
    const activityId: string = res.body.activity_id;
    await Promise.all(hosts.slice(0, 5).map((host) => host.waitForPost((p) => p.json.id === activityId)));

    first.child.kill('SIGKILL');
    await first.exited;
    for (const host of hosts) host.release();
    await startWorker();

    const seen = (inbox: string) => (host: FakeFediverse) =>
      host.waitForPost((p) => `${host.url}${p.path}` === inbox && p.json.id === activityId);
    await Promise.all(inboxes.map((inbox) => seen(inbox)(hosts.find((h) => inbox.startsWith(h.url))!)));

    // A receiver that dedupes by activity id sees it exactly once per inbox.
    const received = new Map<string, Set<string>>();
    for (const host of hosts) {
      for (const post of host.posts.filter((p) => p.json.id === activityId)) {
        const inbox = `${host.url}${post.path}`;
        received.set(inbox, (received.get(inbox) ?? new Set()).add(String(post.json.id)));
      }
    }
    expect(received.size).toBe(HOSTS * PER_HOST);
    expect([...received.values()].every((ids) => ids.size === 1)).toBe(true);

    const row = await database.db('activities').where({ activity_id: activityId }).first();
    await deliveryFinished(api.runtime.temporal, database.db, activityId);
    const statuses = await database.db('deliveries').where({ activity_id: row.id }).groupBy('status').select('status').count('* as n');
    expect(statuses).toEqual([{ status: 'delivered', n: HOSTS * PER_HOST }]);
  });
});
