// Two api processes and two worker processes (separate OS processes, as `start:api` / `start:worker` run them)
// against one Postgres and one Temporal: concurrent identical requests across both apis make one record, and
// both workers carry deliveries.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { contentHashOf } from '../../src/domain/content-hash.js';
import { FakeFediverse, type FakeActor } from '../doubles/fake-fediverse.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { waitUntil } from '../helpers/eventually.js';
import { client } from '../helpers/http.js';
import { duplicates, ledger } from '../helpers/ledger.js';
import { MixedLoad } from '../helpers/mixed-load.js';
import { Roles } from '../helpers/roles.js';
import { TEST_JWT_SECRET } from '../helpers/server.js';

const PEERS = 4;
const taskQueue = `scale-out-${randomUUID()}`;

let database: TestDatabase;
let roles: Roles;
let apis: string[];
let workerPids: number[];
let temporal: Client;
let connection: Connection;
const peers: FakeFediverse[] = [];
const fans: FakeActor[] = [];

beforeAll(async () => {
  // Not migrated: both api processes start at once and must take turns migrating it.
  database = await createTestDatabase({ migrated: false });
  roles = new Roles({
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: inject('temporalNamespace'),
    TEMPORAL_TASK_QUEUE: taskQueue,
    JWT_SECRET: TEST_JWT_SECRET,
    ARTDAG_DATA: path.join(inject('testRoot'), `scale-out-${randomUUID()}`),
    ARTDAG_DOMAIN: 'l2.test',
    ALLOW_PRIVATE_NETWORK: 'true',
    STORAGE_ENCRYPTION_KEY: 'ab'.repeat(32),
    DELIVERY_RETRY_SCHEDULE: '1,1,1',
    // The load registers from one address.
    REGISTER_RATE_LIMIT: '100000/1h',
  });
  const [a, b, w1, w2] = await Promise.all([roles.api(), roles.api(), roles.worker(), roles.worker()]);
  apis = [a.url, b.url];
  workerPids = [w1.child.pid!, w2.child.pid!];
  connection = await Connection.connect({ address: inject('temporalAddress') });
  temporal = new Client({ connection, namespace: inject('temporalNamespace') });
  for (let i = 0; i < PEERS; i++) {
    const peer = await FakeFediverse.start();
    peers.push(peer);
    fans.push(peer.addActor(`fan${i}`));
  }
}, 180_000);
afterAll(async () => {
  await roles.stopAll();
  await connection?.close();
  await database.drop();
  for (const peer of peers) await peer.stop();
});

/** The same request sent `copies` times at once, alternating between the two api processes. */
function everywhere(copies: number, send: (url: string) => Promise<Response>): Promise<number[]> {
  return Promise.all(Array.from({ length: copies }, (_, i) => send(apis[i % 2]!).then((r) => r.status)));
}

const json = { 'content-type': 'application/json', accept: 'application/json' };

/** Which worker process (by pid) started each delivery activity of an activity's fan-out. */
async function deliveryWorkers(activityUrl: string): Promise<number[]> {
  const history = await temporal.workflow.getHandle(`deliver:${activityUrl}`).fetchHistory();
  const types = new Map<string, string>();
  const pids: number[] = [];
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) types.set(String(event.eventId), scheduled.activityType?.name ?? '');
    const started = event.activityTaskStartedEventAttributes;
    if (started && types.get(String(started.scheduledEventId)) === 'deliverFirstRound') {
      pids.push(Number(started.identity?.split('@')[0]));
    }
  }
  return pids;
}

describe('two api and two worker processes on one database and one task queue', () => {
  it('make one account, one asset and one follower of concurrent identical requests to both apis', { timeout: 60_000 }, async () => {
    const names = Array.from({ length: 8 }, (_, i) => `twin${i}`);
    for (const username of names) {
      const body = JSON.stringify({ username, password: 'a good password' });
      const statuses = await everywhere(8, (url) => fetch(`${url}/auth/register`, { method: 'POST', headers: json, body }));
      expect(statuses.sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    }
    const login = await client(apis[0]!).post('/auth/login', { json: { username: 'twin0', password: 'a good password' } });
    const auth = { ...json, authorization: `Bearer ${login.body.access_token}` };
    for (let i = 0; i < 6; i++) {
      const body = JSON.stringify({ name: `twin-asset-${i}`, content_hash: contentHashOf(`twin asset ${i}`), asset_type: 'image' });
      const statuses = await everywhere(6, (url) => fetch(`${url}/assets`, { method: 'POST', headers: auth, body }));
      expect(statuses.sort()).toEqual([200, 200, 200, 200, 200, 201]);
    }
    // Each fan's Follow reaches both apis at once (as retries from a remote server can): one follower, one Accept.
    for (const [i, fan] of fans.entries()) {
      const follow = { id: `${fan.id}/follows/twin0`, type: 'Follow', actor: fan.id, object: 'https://l2.test/users/twin0' };
      const statuses = await everywhere(4, (url) => peers[i]!.send(`${url}/inbox`, follow, fan));
      expect(statuses).toEqual([202, 202, 202, 202]);
    }
    const db = database.db;
    expect(await ledger(db)).toMatchObject({ users: names.length + 1, assets: 6, activities: 6 + PEERS, followers: PEERS });
    expect(await db('inbox_activities').count('* as n')).toEqual([{ n: PEERS }]);
    expect(await duplicates(db)).toEqual([]);
  });

  it('serves a mixed load from both apis, and both workers deliver', { timeout: 120_000 }, async () => {
    const login = await client(apis[1]!).post('/auth/login', { json: { username: 'twin0', password: 'a good password' } });
    const load = new MixedLoad({
      urls: apis,
      actorPrefix: 'https://l2.test/users/',
      objectPrefix: 'https://l2.test/objects/',
      owner: { username: 'twin0', token: login.body.access_token },
      peer: peers[0]!,
      fan: fans[0]!,
      tag: 'scale',
    });
    load.start(8);
    const db = database.db;
    // Load until both workers have run fan-outs (a few dozen deliveries, almost always the first ones).
    const seen = await waitUntil(
      'fan-outs run by both worker processes',
      async () => {
        const creates = await db('activities').where({ activity_type: 'Create' }).select('activity_id');
        const pids = new Set<number>();
        for (const { activity_id } of creates) for (const pid of await deliveryWorkers(activity_id).catch(() => [])) pids.add(pid);
        return workerPids.every((pid) => pids.has(pid)) && creates.length >= 20 ? pids : null;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    const outcomes = await load.stop();
    expect([...seen].sort()).toEqual([...workerPids].sort());
    expect(outcomes.filter((o) => o.status < 200 || o.status >= 300)).toEqual([]);
    // Both apis answered; requests alternated between them.
    expect(new Set(outcomes.map((o) => o.n % 2))).toEqual(new Set([0, 1]));

    await waitUntil('every delivery made', async () => (await ledger(db)).deliveries.pending === undefined, { timeoutMs: 60_000 });
    const counts = await ledger(db);
    const written = (kind: string) => outcomes.filter((o) => o.kind === kind).length;
    expect(counts).toMatchObject({
      users: 9 + written('register'),
      assets: 6 + written('asset'),
      activities: 6 + PEERS + written('asset') + written('follow'),
    });
    expect(Object.keys(counts.deliveries)).toEqual(['delivered']);
    expect(await duplicates(db)).toEqual([]);
  });
});
