import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../src/bootstrap/embedded-postgres.js';
import { createDb } from '../../src/db/knex.js';
import { FakeFediverse, type FakeActor } from '../doubles/fake-fediverse.js';
import type { TestDatabase } from '../helpers/database.js';
import { waitUntil } from '../helpers/eventually.js';
import { client, registerAndLogin } from '../helpers/http.js';
import { duplicates, ledger } from '../helpers/ledger.js';
import { MixedLoad, type Outcome } from '../helpers/mixed-load.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const OUTAGE_MS = 20_000;
const dir = path.join(inject('testRoot'), `pg-outage-${randomUUID()}`);

// A Postgres of its own: the shared one serves every other test file and must stay up.
let pg: EmbeddedPostgresHandle;
let database: TestDatabase;
let server: TestServer;
let peer: FakeFediverse;
let fan: FakeActor;

function startPostgres(port?: number): Promise<EmbeddedPostgresHandle> {
  return startEmbeddedPostgres({
    dir: path.join(dir, 'pg'),
    password: 'outage',
    database: 'artdag',
    persistent: true,
    logFile: path.join(dir, 'pg.log'),
    port,
  });
}

beforeAll(async () => {
  pg = await startPostgres();
  const db = createDb(pg.url, 2);
  database = { url: pg.url, db, name: 'artdag', drop: () => db.destroy() };
  peer = await FakeFediverse.start();
  fan = peer.addActor('fan');
  // The load registers from one address: a limit high enough to count every account without refusing one.
  server = await startTestServer({ database, env: { DELIVERY_RETRY_SCHEDULE: '1,1,1,1,1', REGISTER_RATE_LIMIT: '100000/1h' } });
});
afterAll(async () => {
  await server.stop();
  await database.drop();
  await pg.stop();
  await peer.stop();
});

const isWrite = (o: Outcome) => o.kind !== 'read';

describe('Postgres stopped for 20 s under load', () => {
  it('answers 503 while it is down, loses nothing, and the load resumes', { timeout: 150_000 }, async () => {
    const api = client(server.url);
    const token = await registerAndLogin(server.url, 'painter');
    const followed = await peer.send(
      `${server.url}/inbox`,
      { id: `${fan.id}/follows/painter`, type: 'Follow', actor: fan.id, object: 'https://l2.test/users/painter' },
      fan,
    );
    expect(followed.status).toBe(202);
    const load = new MixedLoad({
      urls: [server.url],
      actorPrefix: 'https://l2.test/users/',
      objectPrefix: 'https://l2.test/objects/',
      owner: { username: 'painter', token },
      peer,
      fan,
      tag: 'pg',
    });
    load.start(6, { retryRefusals: true });
    await waitUntil('writes before the outage', () => load.outcomes.filter((o) => o.kind === 'asset' && o.status === 201).length >= 5);

    const port = Number(new URL(pg.url).port);
    const stopping = Date.now();
    await pg.stop();
    const down = Date.now();
    const ready = await api.get('/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.database).toMatch(/^unavailable: /);
    expect((await api.get('/health')).status).toBe(200);
    const refusal = await api.get('/assets');
    expect(refusal.status).toBe(503);
    expect(refusal.body.error).toMatchObject({ code: 'database_unavailable' });
    expect(refusal.headers.get('retry-after')).toMatch(/^\d+$/);
    // Refusals are quick: the load keeps cycling through the outage rather than stalling on it.
    await waitUntil('refusals during the outage', () => load.outcomes.filter((o) => o.startedAt > down && o.status === 503).length >= 50);
    await waitUntil('the end of the outage', () => Date.now() - down >= OUTAGE_MS, { timeoutMs: OUTAGE_MS + 5000 });

    pg = await startPostgres(port);
    await waitUntil('readiness after the restart', async () => (await api.get('/ready')).status === 200);
    const up = Date.now();
    const resumed = load.outcomes.length;
    await waitUntil('load after the outage', () => load.outcomes.slice(resumed).filter((o) => o.status === 201).length >= 10);
    const outcomes = await load.stop();

    // While down, only 503 with its code; before and after, only success.
    const refused = outcomes.filter((o) => o.status === 503);
    expect(refused.filter((o) => o.code !== 'database_unavailable')).toEqual([]);
    expect(refused.filter((o) => o.endedAt < stopping || o.startedAt > up)).toEqual([]);
    // A write refused with 503 is sent again until answered: its last answer is a success, or (for an
    // account whose creation committed just as Postgres went away) 409 "taken", never anything else.
    const writes = new Map<string, Outcome[]>();
    for (const o of outcomes.filter(isWrite)) writes.set(`${o.kind} ${o.key}`, [...(writes.get(`${o.kind} ${o.key}`) ?? []), o]);
    const settled = (o: Outcome[]) => {
      const last = o.at(-1)!;
      const retried = o.slice(0, -1).every((r) => r.status === 503);
      return retried && ((last.status >= 200 && last.status < 300) || (last.status === 409 && last.kind === 'register' && o.length > 1));
    };
    expect([...writes.values()].filter((o) => !settled(o))).toEqual([]);
    expect(outcomes.filter((o) => o.kind === 'read' && o.status !== 200 && o.status !== 503)).toEqual([]);

    const keys = (kind: string) => [...writes.values()].filter((o) => o[0]!.kind === kind).map((o) => o[0]!.key);
    const db = server.database.db;
    const countWhere = async (table: string, column: string, values: string[]) =>
      Number((await db(table).whereIn(column, values).count('* as n'))[0]!.n);
    expect(await countWhere('users', 'username', keys('register'))).toBe(keys('register').length);
    expect(await countWhere('assets', 'name', keys('asset'))).toBe(keys('asset').length);
    const remote = [...keys('follow'), ...keys('like')];
    expect(await countWhere('inbox_activities', 'activity_id', remote)).toBe(remote.length);

    // Every activity (a Create per asset, an Accept per Follow) is delivered to the fan once Postgres is back.
    await waitUntil('every delivery settled', async () => (await ledger(db)).deliveries.pending === undefined, { timeoutMs: 90_000 });
    const counts = await ledger(db);
    const followedUsers = await db('inbox_activities').where({ activity_type: 'Follow' }).countDistinct('object_id as n');
    expect(counts).toMatchObject({
      users: keys('register').length + 2, // and the operator and the painter
      assets: keys('asset').length,
      activities: keys('asset').length + keys('follow').length + 1,
      followers: Number(followedUsers[0]!.n),
    });
    expect(counts.deliveries).toEqual({ delivered: counts.activities });
    expect(await duplicates(db)).toEqual([]);
    const posted = new Set(peer.posts.map((p) => String(p.json.id)));
    const activityIds = (await db('activities').select('activity_id')).map((r) => r.activity_id as string);
    expect(activityIds.filter((id) => !posted.has(id))).toEqual([]);
  });
});
