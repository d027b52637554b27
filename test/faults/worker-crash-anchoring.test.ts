import path from 'node:path';
import { onDemandAnchorWorkflowId } from '../../src/api/routes/anchors/anchors.routes.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTemporalDevServer, type DevServerHandle } from '../../src/bootstrap/embedded-temporal.js';
import { contentHashOf } from '../../src/domain/content-hash.js';
import { FakeBitcoin } from '../doubles/fake-bitcoin.js';
import { FakeCalendar } from '../doubles/ots-calendar.js';
import { waitUntil } from '../helpers/eventually.js';
import { HostileServer } from '../helpers/hostile-server.js';
import { client, registerAndLogin } from '../helpers/http.js';
import { duplicates, ledger } from '../helpers/ledger.js';
import { envLike, Roles } from '../helpers/roles.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

// Its own Temporal server: the on-demand batch has one workflow id per namespace, which other files also use.
let temporal: DevServerHandle;
let chain: FakeBitcoin;
let calendars: FakeCalendar[];
/** A third calendar that can hold a stamp in flight; two of the three must accept. */
let third: HostileServer;
/** Esplora behind a proxy that can hold a header lookup in flight (the last step of an upgrade). */
let esplora: HostileServer;
let api: TestServer;
let roles: Roles;

beforeAll(async () => {
  temporal = await startTemporalDevServer({
    namespace: 'artdag',
    ui: false,
    logFile: path.join(inject('testRoot'), `anchor-crash-temporal-${process.pid}.log`),
  });
  chain = await FakeBitcoin.start();
  calendars = [await FakeCalendar.start(chain), await FakeCalendar.start(chain)];
  third = await HostileServer.start();
  esplora = await HostileServer.start({ upstream: chain.esploraUrl });
  const env = {
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: 'artdag',
    OTS_CALENDARS: [...calendars.map((c) => c.url), third.url].join(','),
    OTS_MIN_CALENDARS: '2',
    BITCOIN_ESPLORA_URL: esplora.url,
  };
  api = await startTestServer({ env, role: 'api' });
  roles = new Roles(envLike(api, env));
});
afterAll(async () => {
  await roles.stopAll();
  await api.stop();
  for (const peer of [third, esplora]) await peer.stop();
  for (const calendar of calendars) await calendar.stop();
  await chain.stop();
  await temporal.stop();
});

describe('anchoring survives a worker killed mid-stamp and mid-upgrade', () => {
  it(
    'stamps the held batch and confirms the held upgrade after kill -9, with each activity anchored once',
    { timeout: 180_000 },
    async () => {
      const http = client(api.url);
      const token = await registerAndLogin(api.url, 'anchorer');
      const register = async (n: number) => {
        const res = await http.post('/assets', {
          token,
          json: { name: `anchored-${n}`, content_hash: contentHashOf(`anchored ${n}`), asset_type: 'image' },
        });
        expect(res.status).toBe(201);
      };
      const first = await roles.worker();

      // Batch A, stamped normally (the third calendar refuses; two of three is enough).
      for (let n = 0; n < 3; n++) await register(n);
      third.setFault('/digest', { kind: 'status', status: 503 });
      const a = await http.post('/anchors/create', { token });
      expect(a.status).toBe(201);
      expect(a.body).toMatchObject({ status: 'pending', leaf_count: 3 });
      const rootA: string = a.body.merkle_root;
      // Each calendar's commitment lands in its own block; the proof may confirm through either.
      const mined = [calendars[0]!.mine()!, calendars[1]!.mine()!];

      // Batch B: its stamp waits on the third calendar; A's upgrade waits on the block header.
      for (let n = 3; n < 5; n++) await register(n);
      third.clearFaults();
      third.setFault('/digest', { kind: 'hold' });
      esplora.setFault(/^\/block/, { kind: 'hold' });
      const b = await http.post('/anchors/create?wait=0', { token });
      expect(b.status).toBe(202);
      await third.waitForRequest((r) => r.path === '/digest');
      const upgrade = http.post(`/anchors/${rootA}/upgrade`, { token });
      await esplora.waitForRequest((r) => r.path.startsWith('/block'));

      await roles.crash(first);
      third.clearFaults();
      third.setFault('/digest', { kind: 'status', status: 503 });
      third.release();
      esplora.clearFaults();
      esplora.release();
      await roles.worker();

      const upgraded = await upgrade;
      expect(upgraded.status).toBe(200);
      expect(upgraded.body.status).toBe('confirmed');
      expect(mined).toContain(upgraded.body.bitcoin_block);

      const temporalClient = api.runtime.temporal;
      const batch = await temporalClient.workflow.getHandle(onDemandAnchorWorkflowId(api.config.temporal.taskQueue)).result();
      const rootB: string = batch.merkleRoot;
      expect(await temporalClient.workflow.getHandle(`confirm-anchor:${rootA}`).result()).toMatchObject({ status: 'confirmed' });

      const db = api.database.db;
      const anchors = await db('anchors').orderBy('id');
      expect(anchors.map((r) => [r.merkle_root, r.status, r.previous_root, r.leaf_count])).toEqual([
        [rootA, 'confirmed', null, 3],
        [rootB, 'pending', rootA, 3], // the previous root plus two activities
      ]);
      expect(anchors[1].calendars[third.url]).toMatchObject({ status: 'failed' });
      expect(Object.values(anchors[1].calendars).filter((c: any) => c.status === 'ok')).toHaveLength(2);
      expect(await ledger(db)).toMatchObject({ assets: 5, activities: 5, anchors: 2, anchoredActivities: 5 });
      expect(await duplicates(db)).toEqual([]);
      // Every activity is in exactly one anchor.
      const unanchored = await db('activities').whereNotIn('id', db('anchor_activities').select('activity_id'));
      expect(unanchored).toEqual([]);
    },
  );
});

describe('the fault helpers', () => {
  it('hold requests until released and record them', async () => {
    const peer = await HostileServer.start();
    try {
      peer.setFault('/x', { kind: 'hold' });
      const answer = fetch(`${peer.url}/x`, { method: 'POST', body: 'b' });
      expect((await peer.waitForRequest()).body.toString()).toBe('b');
      peer.release();
      expect((await answer).status).toBe(202);
      await expect(waitUntil('never', () => false, { timeoutMs: 50 })).rejects.toThrow(/timed out waiting for never/);
    } finally {
      await peer.stop();
    }
  });
});
