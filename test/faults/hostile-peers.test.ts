// Peers that hang, reset, dribble, or answer garbage or endless bodies, in the combinations the integration tests
// (record-run, federation-delivery, anchors) do not already cover. The three scenarios run at once (each waits
// out a hang of 10-15 s) and check only their own records.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GuardedHttpClient } from '../../src/clients/guarded-fetch.js';
import { L1Client, L1Unavailable } from '../../src/clients/l1-client.js';
import { contentHashOf } from '../../src/domain/content-hash.js';
import { FakeBitcoin } from '../doubles/fake-bitcoin.js';
import { FakeL1 } from '../doubles/fake-l1.js';
import { FakeCalendar } from '../doubles/ots-calendar.js';
import { deliveryFinished } from '../helpers/delivery.js';
import { waitUntil } from '../helpers/eventually.js';
import { HostileServer, type PeerFault } from '../helpers/hostile-server.js';
import { client, registerAndLogin } from '../helpers/http.js';
import { duplicates } from '../helpers/ledger.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let l1: FakeL1;
let chain: FakeBitcoin;
let calendars: FakeCalendar[];
/** Calendars that hang, reset and stream forever on POST /digest. */
let badCalendars: HostileServer[];
let api: ReturnType<typeof client>;
let token: string;

beforeAll(async () => {
  l1 = await FakeL1.start();
  chain = await FakeBitcoin.start();
  calendars = [await FakeCalendar.start(chain), await FakeCalendar.start(chain)];
  badCalendars = [await HostileServer.start(), await HostileServer.start(), await HostileServer.start()];
  server = await startTestServer({
    env: {
      L1_SERVERS: l1.url,
      OTS_CALENDARS: [...calendars, ...badCalendars].map((c) => c.url).join(','),
      OTS_MIN_CALENDARS: '2',
      BITCOIN_ESPLORA_URL: chain.esploraUrl,
      DELIVERY_RETRY_SCHEDULE: '1,1',
    },
  });
  api = client(server.url);
  token = await registerAndLogin(server.url, 'hostile');
});
afterAll(async () => {
  await server.stop();
  for (const peer of badCalendars) await peer.stop();
  for (const calendar of calendars) await calendar.stop();
  await chain.stop();
  await l1.stop();
});

const outputOf = (runId: string) => Buffer.from(`output of ${runId} `.repeat(200));

describe.concurrent('peers that misbehave', () => {
  describe('L1s that hang, reset, dribble or never stop', () => {
    it('records each run once after the L1 recovers, and refuses a run document that never ends', { timeout: 90_000 }, async () => {
      const runs = ['run-hang', 'run-reset', 'run-cache-reset', 'run-cache-slow', 'run-endless'].map((id) =>
        l1.addRun({ run_id: id, username: 'hostile' }, outputOf(id)),
      );
      const cache = (i: number) => `/cache/${runs[i]!.output_hash}`;
      l1.setFault('/runs/run-hang', { kind: 'hang' });
      l1.setFault('/runs/run-reset', { kind: 'reset' });
      l1.setFault(cache(2), { kind: 'reset' });
      l1.setFault(cache(3), { kind: 'slow', ms: 1500 });
      l1.setFault('/runs/run-endless', { kind: 'endless' });
      const record = (runId: string, wait: number) =>
        api.post(`/assets/record-run?wait=${wait}`, { token, json: { run_id: runId, l1_server: l1.url, output_name: `out-${runId}` } });
      for (const run of runs.slice(0, 4)) expect((await record(run.run_id, 0)).status).toBe(202);
      // Each fault strikes once; the retry finds the L1 well again.
      for (const path of ['/runs/run-hang', '/runs/run-reset', cache(2)]) {
        await l1.waitForRequest((r) => r.path === path);
        l1.setFault(path, null);
      }

      const done = await Promise.all(runs.slice(0, 4).map((run) => record(run.run_id, 60)));
      expect(done.map((r) => [r.status, r.body.content_hash])).toEqual(runs.slice(0, 4).map((run) => [201, run.output_hash]));
      const endless = await record('run-endless', 30);
      expect(endless.status).toBe(502);
      expect(endless.body.error.message).toMatch(/larger than L2 accepts/);

      const db = server.database.db;
      const hashes = runs.map((r) => r.output_hash);
      expect(await db('assets').whereIn('content_hash', hashes).count('* as n')).toEqual([{ n: 4 }]);
      const objects = hashes.map((h) => `https://l2.test/objects/${h}`);
      expect(await db('activities').whereIn('object_id', objects).count('* as n')).toEqual([{ n: 4 }]);
      // The hung and reset requests were tried again; the downloads that went well were not repeated.
      expect(l1.requests.filter((r) => r.path === '/runs/run-hang')).toHaveLength(2);
      expect(l1.requests.filter((r) => r.path === cache(2))).toHaveLength(2);
      expect(l1.requests.filter((r) => r.path === cache(3))).toHaveLength(1);
      expect(await duplicates(db)).toEqual([]);
    });

    it('gives up on a download whose answer never starts after the idle timeout, as an outage to retry', async () => {
      const hash = l1.addCacheItem(Buffer.from('never sent'));
      l1.setFault(`/cache/${hash}`, { kind: 'hang' });
      const l1Client = new L1Client(new GuardedHttpClient({ allowPrivateNetwork: true, userAgent: 'fault-test' }), 300);
      const started = Date.now();
      const failure = await l1Client.content(l1.url, hash, 'token', 1_000_000).catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(L1Unavailable);
      expect((failure as Error).message).toMatch(/no answer for 300 ms/);
      expect(Date.now() - started).toBeLessThan(5000);
    });
  });

  describe('inboxes that hang, reset, dribble, answer garbage or never stop', () => {
    it('delivers to every inbox that recovers and records the one that never does as failed', { timeout: 90_000 }, async () => {
      const faults: [string, PeerFault, number][] = [
        ['hang once', { kind: 'hang' }, 1],
        ['reset once', { kind: 'reset' }, 1],
        ['slow', { kind: 'slow', ms: 2000 }, Infinity],
        ['garbage', { kind: 'garbage' }, Infinity],
        ['endless body', { kind: 'endless' }, Infinity],
        ['reset always', { kind: 'reset' }, Infinity],
      ];
      const hosts = await Promise.all(faults.map(() => HostileServer.start()));
      try {
        // An author of its own, so the other scenarios' Creates neither reach these inboxes nor use up their faults.
        const broadcaster = await registerAndLogin(server.url, 'broadcaster');
        const user = await server.database.db('users').where({ username: 'broadcaster' }).first();
        const inboxes: string[] = [];
        for (const [i, host] of hosts.entries()) {
          for (const name of ['a', 'b']) {
            const actor = `${host.url}/users/${name}`;
            inboxes.push(`${actor}/inbox`);
            await server.database
              .db('followers')
              .insert({ user_id: user.id, actor_id: actor, inbox_url: `${actor}/inbox`, state: 'accepted' });
          }
          host.setFault(/\/inbox$/, faults[i]![1], faults[i]![2]);
        }
        const res = await api.post('/assets', {
          token: broadcaster,
          json: { name: `news-${randomUUID()}`, content_hash: contentHashOf(randomUUID()), asset_type: 'image' },
        });
        expect(res.status).toBe(201);
        await deliveryFinished(server.runtime.temporal, server.database.db, res.body.activity_id);

        const row = await server.database.db('activities').where({ activity_id: res.body.activity_id }).first();
        const deliveries = await server.database.db('deliveries').where({ activity_id: row.id }).orderBy('inbox_url');
        expect(deliveries).toHaveLength(inboxes.length);
        const outcome = new Map(deliveries.map((d) => [d.inbox_url, d]));
        for (const [i, host] of hosts.entries()) {
          const [name] = faults[i]!;
          for (const inbox of inboxes.filter((u) => u.startsWith(host.url))) {
            const delivery = outcome.get(inbox)!;
            if (name === 'reset always') {
              expect(delivery).toMatchObject({ status: 'failed', attempts: 3 });
              expect(delivery.last_error).toMatch(/^gave up after the last attempt: .*reset/);
            } else {
              expect([name, delivery.status]).toEqual([name, 'delivered']);
            }
          }
        }
        // Each inbox was sent the activity; the hung POST timed out and was made again.
        const sent = (host: HostileServer) => host.requests.filter((r) => JSON.parse(r.body.toString()).id === res.body.activity_id);
        for (const [i, host] of hosts.entries()) {
          expect([faults[i]![0], new Set(sent(host).map((r) => r.path)).size]).toEqual([faults[i]![0], 2]);
        }
        expect(sent(hosts[0]!).length).toBe(3);
        expect(sent(hosts[5]!).length).toBe(6);
      } finally {
        for (const host of hosts) await host.stop();
      }
    });
  });

  describe('calendars that hang, reset or never stop', () => {
    it('stamps on the two that answer, records why the others failed, and confirms despite a garbage upgrade', async () => {
      const [hang, reset, endless] = badCalendars as [HostileServer, HostileServer, HostileServer];
      hang.setFault('/digest', { kind: 'hang' });
      reset.setFault('/digest', { kind: 'reset' });
      endless.setFault('/digest', { kind: 'endless' });
      await api.post('/assets', { token, json: { name: 'stamped', content_hash: contentHashOf('stamped'), asset_type: 'image' } });
      // Its own workflow id: the on-demand batch id is shared by every test file in this namespace.
      const batch = await server.runtime.temporal.workflow.execute('anchorBatchWorkflow', {
        taskQueue: server.config.temporal.taskQueue,
        workflowId: `anchor-batch:hostile-${randomUUID()}`,
      });
      const root: string = batch.merkleRoot;
      const db = server.database.db;
      const anchor = await db('anchors').where({ merkle_root: root }).first();
      expect(anchor.status).toBe('pending');
      const state = (url: string) => anchor.calendars[url];
      for (const calendar of calendars) expect(state(calendar.url)).toMatchObject({ status: 'ok' });
      expect(state(hang.url)).toMatchObject({ status: 'failed', error: expect.stringMatching(/no complete response within/) });
      expect(state(reset.url)).toMatchObject({ status: 'failed', error: expect.stringMatching(/reset|closed early/) });
      expect(state(endless.url)).toMatchObject({ status: 'failed', error: expect.stringMatching(/larger than/) });
      for (const calendar of calendars) expect(calendar.submissions).toHaveLength(1);

      // The waiting workflow asks once at once (still pending); mining before that would confirm it on its own.
      await waitUntil(
        'the first upgrade attempt',
        async () => (await db('anchors').where({ id: anchor.id }).first()).upgrade_attempts >= 1,
      );
      const height = calendars[0]!.mine();
      calendars[1]!.mine();
      calendars[1]!.fault = { kind: 'garbage' };
      try {
        const upgraded = await api.post(`/anchors/${root}/upgrade`, { token });
        expect(upgraded.status).toBe(200);
        expect(upgraded.body).toMatchObject({
          status: 'confirmed',
          bitcoin_block: height,
          upgraded_from: [calendars[0]!.url],
          still_pending: [calendars[1]!.url],
        });
        expect(upgraded.body.error).toMatch(/garbage/);
      } finally {
        calendars[1]!.fault = null;
      }
      expect(await db('anchor_activities').where({ anchor_id: anchor.id })).toHaveLength(anchor.leaf_count);
      expect(await duplicates(db)).toEqual([]);
    });
  });
});
