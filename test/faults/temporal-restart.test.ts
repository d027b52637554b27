import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTemporalDevServer, type DevServerHandle } from '../../src/bootstrap/embedded-temporal.js';
import { freePort } from '../../src/bootstrap/ports.js';
import { contentHashOf } from '../../src/domain/content-hash.js';
import { FakeL1 } from '../doubles/fake-l1.js';
import { deliveryFinished } from '../helpers/delivery.js';
import { HostileServer } from '../helpers/hostile-server.js';
import { client, registerAndLogin } from '../helpers/http.js';
import { duplicates, ledger } from '../helpers/ledger.js';
import { envLike, Roles } from '../helpers/roles.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const FOLLOWERS = 3;
const dir = path.join(inject('testRoot'), `temporal-restart-${randomUUID()}`);

let temporal: DevServerHandle | null = null;
let fakeL1: FakeL1;
/** The L1 as L2 sees it: a proxy that can hold the output download in flight. */
let l1: HostileServer;
let inboxes: HostileServer;
let api: TestServer;
let roles: Roles;

function startTemporal(port: number): Promise<DevServerHandle> {
  return startTemporalDevServer({
    namespace: 'artdag',
    dbFile: path.join(dir, 'temporal.db'),
    preferredPort: port,
    ui: false,
    logFile: path.join(dir, 'temporal.log'),
  });
}

beforeAll(async () => {
  fs.mkdirSync(dir, { recursive: true });
  temporal = await startTemporal(await freePort());
  fakeL1 = await FakeL1.start();
  l1 = await HostileServer.start({ upstream: fakeL1.url });
  inboxes = await HostileServer.start();
  const env = {
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: 'artdag',
    L1_SERVERS: l1.url,
    DELIVERY_RETRY_SCHEDULE: '1,1,1',
  };
  api = await startTestServer({ env, role: 'api' });
  roles = new Roles(envLike(api, env));
});
afterAll(async () => {
  await roles.stopAll();
  await api.stop();
  await temporal?.stop();
  await inboxes.stop();
  await l1.stop();
  await fakeL1.stop();
});

describe('a restarted Temporal server (persistent SQLite)', () => {
  it('keeps a record-run and a fan-out that were mid-activity, and both finish exactly once', { timeout: 180_000 }, async () => {
    const http = client(api.url);
    const token = await registerAndLogin(api.url, 'steady');
    const user = await api.database.db('users').where({ username: 'steady' }).first();
    for (let i = 0; i < FOLLOWERS; i++) {
      const actor = `${inboxes.url}/users/f${i}`;
      await api.database.db('followers').insert({ user_id: user.id, actor_id: actor, inbox_url: `${actor}/inbox`, state: 'accepted' });
    }
    const input = fakeL1.addCacheItem(Buffer.from('restart input'));
    const run = fakeL1.addRun({ run_id: 'run-restart', username: 'steady', inputs: [input] }, Buffer.from('restart output '.repeat(500)));
    const worker = await roles.worker();

    inboxes.setFault(/\/inbox$/, { kind: 'hold' });
    l1.setFault(`/cache/${run.output_hash}`, { kind: 'hold' });
    const created = await http.post('/assets', {
      token,
      json: { name: 'mid-flight', content_hash: contentHashOf('mid-flight'), asset_type: 'image' },
    });
    expect(created.status).toBe(201);
    const body = { run_id: 'run-restart', l1_server: l1.url, output_name: 'restarted' };
    expect((await http.post('/assets/record-run?wait=0', { token, json: body })).status).toBe(202);
    await inboxes.waitForRequest((r) => r.path.endsWith('/inbox'));
    await l1.waitForRequest((r) => r.path === `/cache/${run.output_hash}`);

    const port = Number(temporal!.address.split(':')[1]);
    await temporal!.stop();
    temporal = await startTemporal(port);
    expect(temporal.address).toBe(`127.0.0.1:${port}`);
    inboxes.clearFaults();
    inboxes.release();
    l1.clearFaults();
    l1.release();

    const done = await http.post('/assets/record-run?wait=60', { token, json: body });
    expect(done.status).toBe(201);
    expect(done.body).toMatchObject({ name: 'restarted', content_hash: run.output_hash, provenance: { run_id: 'run-restart' } });
    const activityIds = (await api.database.db('activities').select('activity_id')).map((r) => r.activity_id as string);
    for (const id of activityIds) await deliveryFinished(api.runtime.temporal, api.database.db, id);

    // The same worker process carried on through the outage.
    expect(worker.child.exitCode).toBeNull();
    // Three Creates (the asset, the run output, its new input), each to three followers.
    expect(await ledger(api.database.db)).toMatchObject({
      assets: 3,
      activities: 3,
      followers: FOLLOWERS,
      deliveries: { delivered: 3 * FOLLOWERS },
    });
    expect(await duplicates(api.database.db)).toEqual([]);
    expect(fakeL1.requests.filter((r) => r.path === `/cache/${run.output_hash}`)).toHaveLength(1);
    for (const id of activityIds) {
      const inboxesReached = new Set(inboxes.requests.filter((r) => JSON.parse(r.body.toString()).id === id).map((r) => r.path));
      expect(inboxesReached.size).toBe(FOLLOWERS);
    }
  });
});
