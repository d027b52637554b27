import { createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentHashOf } from '../../src/domain/content-hash.js';
import { verifyRequest } from '../../src/federation/http-signatures.js';
import { FakeFediverse } from '../doubles/fake-fediverse.js';
import { client, registerAndLogin } from '../helpers/http.js';
import { deliveryFinished } from '../helpers/delivery.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let token: string;
const fakes: FakeFediverse[] = [];
let counter = 0;

beforeAll(async () => {
  server = await startTestServer({ env: { DELIVERY_RETRY_SCHEDULE: '0.2,0.2,0.2' } });
  token = await registerAndLogin(server.url, 'alice');
});
afterAll(async () => {
  await server.stop();
  for (const fake of fakes) await fake.stop();
});

async function host(options: { sharedInbox?: boolean } = {}): Promise<FakeFediverse> {
  const fake = await FakeFediverse.start(options);
  fakes.push(fake);
  return fake;
}

async function follow(target: TestServer, fake: FakeFediverse, name: string): Promise<string> {
  const actor = fake.addActor(name);
  const user = await target.database.db('users').where({ username: 'alice' }).first();
  await target.database.db('followers').insert({
    user_id: user.id,
    actor_id: actor.id,
    inbox_url: actor.inbox,
    shared_inbox_url: fake.actorDocument(actor).endpoints ? `${fake.url}/inbox` : null,
    state: 'accepted',
  });
  return actor.inbox;
}

/** Registers an asset and waits for the fan-out and every per-host delivery workflow to finish. */
async function registerAndDeliver(target: TestServer, userToken: string): Promise<{ activityUrl: string; rowId: number }> {
  const hash = contentHashOf(`delivered ${++counter}`);
  const res = await client(target.url).post('/assets', {
    token: userToken,
    json: { name: `delivered-${counter}`, content_hash: hash, asset_type: 'image' },
  });
  expect(res.status).toBe(201);
  const activityUrl: string = res.body.activity_id;
  const row = await target.database.db('activities').where({ activity_id: activityUrl }).first();
  await deliveryFinished(target.runtime.temporal, target.database.db, activityUrl);
  return { activityUrl, rowId: row.id };
}

const deliveries = (rowId: number) => server.database.db('deliveries').where({ activity_id: rowId }).orderBy('inbox_url');

describe('delivery of a registration to followers', () => {
  it('posts the stored Create once per shared inbox, signed by the owner', async () => {
    const shared = await host({ sharedInbox: true });
    const solo = await host();
    await follow(server, shared, 'one');
    await follow(server, shared, 'two');
    const soloInbox = await follow(server, solo, 'three');

    const { rowId } = await registerAndDeliver(server, token);
    const rows = await deliveries(rowId);
    expect(rows.map((r) => [r.inbox_url, r.status, r.attempts])).toEqual(
      [
        [`${shared.url}/inbox`, 'delivered', 1],
        [soloInbox, 'delivered', 1],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    expect(shared.posts).toHaveLength(1);
    expect(solo.posts).toHaveLength(1);

    const post = shared.posts[0]!;
    const stored = await server.database.db('activities').where({ id: rowId }).first();
    expect(post.body).toBe(stored.raw);
    const key = await server.database
      .db('actor_keys')
      .join('users', 'users.id', 'actor_keys.user_id')
      .where('users.username', 'alice')
      .first();
    const verified = await verifyRequest(
      { method: 'POST', target: post.path, url: `${shared.url}${post.path}`, headers: post.headers, body: Buffer.from(post.body) },
      { getKey: async () => createPublicKey(key.public_key_pem) },
    );
    expect(verified.ok).toBe(true);
    expect(post.headers['content-type']).toContain('application/activity+json');
    expect(String(post.headers['user-agent'])).toMatch(/^artdag-l2\/\S+ \(\+https:\/\/l2\.test\)$/);
  });

  it('gives up at once on a permanent 4xx, and drops a follower whose inbox answers 410', async () => {
    const refusing = await host();
    const gone = await host();
    const refusingInbox = await follow(server, refusing, 'refuses');
    const goneInbox = await follow(server, gone, 'gone');
    refusing.answer(new URL(refusingInbox).pathname, { status: 403 });
    gone.answer(new URL(goneInbox).pathname, { status: 410 });

    const { rowId } = await registerAndDeliver(server, token);
    const rows = await deliveries(rowId);
    const byInbox = Object.fromEntries(rows.map((r) => [r.inbox_url, r]));
    expect(byInbox[refusingInbox]).toMatchObject({ status: 'failed', attempts: 1, last_status: 403 });
    expect(byInbox[goneInbox]).toMatchObject({ status: 'failed', attempts: 1, last_status: 410 });
    expect(await server.database.db('followers').where({ inbox_url: goneInbox })).toHaveLength(0);
    expect(await server.database.db('followers').where({ inbox_url: refusingInbox })).toHaveLength(1);
    refusing.answer(new URL(refusingInbox).pathname, null);
    await server.database.db('followers').where({ inbox_url: refusingInbox }).delete();
  });

  it('retries 5xx and honours Retry-After, then delivers', async () => {
    const flaky = await host();
    const inbox = await follow(server, flaky, 'flaky');
    flaky.answer(new URL(inbox).pathname, { status: 503, retryAfter: '2', times: 2 });

    const started = Date.now();
    const { rowId } = await registerAndDeliver(server, token);
    const row = (await deliveries(rowId)).find((r) => r.inbox_url === inbox)!;
    expect(row).toMatchObject({ status: 'delivered', attempts: 3, last_status: 202 });
    const attempts = flaky.posts.filter((p) => p.path === new URL(inbox).pathname);
    expect(attempts).toHaveLength(3);
    // Retry-After: 2 outweighs the 0.2 s schedule: three attempts need at least two waits of 2 s.
    expect(Date.now() - started).toBeGreaterThanOrEqual(4000);
    await server.database.db('followers').where({ inbox_url: inbox }).delete();
  });

  it('marks deliveries failed after the last scheduled attempt', async () => {
    const down = await host();
    const inbox = await follow(server, down, 'down');
    down.answer(new URL(inbox).pathname, { status: 500 });
    const { rowId } = await registerAndDeliver(server, token);
    const row = (await deliveries(rowId)).find((r) => r.inbox_url === inbox)!;
    expect(row.status).toBe('failed');
    expect(row.attempts).toBe(4);
    expect(row.last_error).toMatch(/^gave up after the last attempt: HTTP 500/);
    const health = await server.database.db('instance_health').where({ host: down.host }).first();
    expect(health.consecutive_failures).toBe(4);
    expect(health.unavailable).toBe(false);
    await server.database.db('followers').where({ inbox_url: inbox }).delete();
  });
});

describe('the host circuit breaker', () => {
  let strict: TestServer;
  let strictToken: string;
  beforeAll(async () => {
    strict = await startTestServer({ env: { DELIVERY_RETRY_SCHEDULE: '0.2,0.2', HOST_UNAVAILABLE_AFTER_DAYS: '0' } });
    strictToken = await registerAndLogin(strict.url, 'alice');
  });
  afterAll(() => strict.stop());

  it('skips a host that keeps failing, until it is heard from again', async () => {
    const dead = await host();
    const inbox = await follow(strict, dead, 'dead');
    dead.answer(new URL(inbox).pathname, { status: 502 });
    const first = await registerAndDeliver(strict, strictToken);
    const row = (await strict.database.db('deliveries').where({ activity_id: first.rowId }))[0];
    expect(row).toMatchObject({ status: 'skipped', attempts: 1 });
    expect(row.last_error).toContain('unavailable');
    expect((await strict.database.db('instance_health').where({ host: dead.host }).first()).unavailable).toBe(true);

    const postsBefore = dead.posts.length;
    const second = await registerAndDeliver(strict, strictToken);
    expect((await strict.database.db('deliveries').where({ activity_id: second.rowId }).first()).status).toBe('skipped');
    expect(dead.posts.length).toBe(postsBefore);

    // A verified request from the host proves it is back.
    const actor = dead.addActor('speaker');
    const like = { id: `${dead.url}/activities/like-1`, type: 'Like', actor: actor.id, object: 'https://l2.test/objects/none' };
    expect((await dead.send(`${strict.url}/inbox`, like, actor)).status).toBe(202);
    expect((await strict.database.db('instance_health').where({ host: dead.host }).first()).unavailable).toBe(false);
  });
});

describe('the delivery sweep', () => {
  it('starts deliveries whose fan-out never started', async () => {
    const late = await host();
    const inbox = await follow(server, late, 'late');
    const user = await server.database.db('users').where({ username: 'alice' }).first();
    const [activity] = await server.database
      .db('activities')
      .where({ actor_user_id: user.id, activity_type: 'Create' })
      .orderBy('id', 'desc')
      .limit(1);
    await server.database
      .db('deliveries')
      .insert({ activity_id: activity.id, inbox_url: inbox, host: late.host, created_at: new Date(Date.now() - 120_000) });
    expect(await server.runtime.services.delivery.sweep()).toBe(1);
    await late.waitForPost((p) => p.path === new URL(inbox).pathname);
    await server.database.db('followers').where({ inbox_url: inbox }).delete();
  });
});
