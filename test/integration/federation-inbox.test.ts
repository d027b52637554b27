import { createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentHashOf } from '../../src/domain/content-hash.js';
import { verifyRequest } from '../../src/federation/http-signatures.js';
import { FakeFediverse, type FakeActor } from '../doubles/fake-fediverse.js';
import { client, registerAndLogin } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let remote: FakeFediverse;
let bob: FakeActor;
let carol: FakeActor;
let aliceInbox: string;
let counter = 0;

const id = (kind: string) => `${remote.url}/activities/${kind}-${++counter}`;

beforeAll(async () => {
  server = await startTestServer();
  remote = await FakeFediverse.start();
  bob = remote.addActor('bob');
  carol = remote.addActor('carol');
  await registerAndLogin(server.url, 'alice');
  aliceInbox = `${server.url}/users/alice/inbox`;
});
afterAll(async () => {
  await server.stop();
  await remote.stop();
});

const db = () => server.database.db;
const followers = async () =>
  (await db()('followers').join('users', 'users.id', 'followers.user_id').where('users.username', 'alice')).map((f) => f.actor_id);
const stored = async (activityId: string) => db()('inbox_activities').where({ activity_id: activityId });

describe('inbox: Follow, Accept, Undo', () => {
  it('accepts a signed Follow with 202, stores the follower and delivers a signed Accept', async () => {
    const follow = {
      '@context': 'https://www.w3.org/ns/activitystreams',
      id: id('follow'),
      type: 'Follow',
      actor: bob.id,
      object: 'https://l2.test/users/alice',
    };
    const res = await remote.send(aliceInbox, follow, bob);
    expect(res.status).toBe(202);
    expect(await followers()).toEqual([bob.id]);

    const accept = await remote.waitForPost((p) => p.json.type === 'Accept');
    expect(accept.path).toBe('/users/bob/inbox');
    expect(accept.json).toMatchObject({ actor: 'https://l2.test/users/alice', object: { id: follow.id, type: 'Follow', actor: bob.id } });
    const key = await db()('actor_keys').join('users', 'users.id', 'actor_keys.user_id').where('users.username', 'alice').first();
    const verified = await verifyRequest(
      { method: 'POST', target: accept.path, url: `${remote.url}${accept.path}`, headers: accept.headers, body: Buffer.from(accept.body) },
      { getKey: async (keyId) => (keyId === 'https://l2.test/users/alice#main-key' ? createPublicKey(key.public_key_pem) : null) },
    );
    expect(verified).toMatchObject({ ok: true, scheme: 'cavage' });
    const delivery = await db()('deliveries')
      .join('activities', 'activities.id', 'deliveries.activity_id')
      .where('activities.activity_type', 'Accept')
      .first();
    expect(delivery.inbox_url).toBe(bob.inbox);
  });

  it('treats a replayed activity id as a duplicate: 202, stored once, no second Accept', async () => {
    const follow = { id: id('follow'), type: 'Follow', actor: carol.id, object: 'https://l2.test/users/alice' };
    expect((await remote.send(aliceInbox, follow, carol)).status).toBe(202);
    const replay = await remote.send(aliceInbox, follow, carol);
    expect(replay.status).toBe(202);
    expect(((await replay.json()) as { status: string }).status).toBe('duplicate');
    expect(await stored(follow.id)).toHaveLength(1);
    await remote.waitForPost((p) => p.path === '/users/carol/inbox' && p.json.type === 'Accept');
    const accepts = await db()('activities').where({ activity_type: 'Accept', object_id: follow.id });
    expect(accepts).toHaveLength(1);
  });

  it('removes the follower on Undo of the Follow', async () => {
    const follow = (await stored((await db()('followers').where({ actor_id: carol.id }).first()).follow_activity_id))[0];
    const undo = {
      id: id('undo'),
      type: 'Undo',
      actor: carol.id,
      object: { id: follow.activity_id, type: 'Follow', actor: carol.id, object: 'https://l2.test/users/alice' },
    };
    expect((await remote.send(`${server.url}/inbox`, undo, carol)).status).toBe(202);
    expect(await followers()).toEqual([bob.id]);
  });
});

describe('inbox: Like, Update, Delete', () => {
  it('counts Likes and Announces of our objects, and forgets an undone Like', async () => {
    const token = (await client(server.url).post('/auth/login', { json: { username: 'alice', password: 'a good password' } })).body
      .access_token;
    const hash = contentHashOf('liked work');
    await client(server.url).post('/assets', { token, json: { name: 'liked', content_hash: hash, asset_type: 'image' } });
    const object = `https://l2.test/objects/${hash}`;
    const like = { id: id('like'), type: 'Like', actor: bob.id, object };
    expect((await remote.send(`${server.url}/inbox`, like, bob)).status).toBe(202);
    expect(
      (await remote.send(`${server.url}/inbox`, { id: id('announce'), type: 'Announce', actor: carol.id, object }, carol)).status,
    ).toBe(202);
    expect(await server.runtime.services.repos.interactions.counts(object)).toEqual({ like: 1, announce: 1 });
    await remote.send(`${server.url}/inbox`, { id: id('undo'), type: 'Undo', actor: bob.id, object: like }, bob);
    expect(await server.runtime.services.repos.interactions.counts(object)).toEqual({ like: 0, announce: 1 });
  });

  it('refreshes a cached actor on Update', async () => {
    const document = { ...remote.actorDocument(bob), name: 'Bob Renamed' };
    expect(
      (await remote.send(`${server.url}/inbox`, { id: id('update'), type: 'Update', actor: bob.id, object: document }, bob)).status,
    ).toBe(202);
    expect((await db()('remote_actors').where({ actor_id: bob.id }).first()).name).toBe('Bob Renamed');
  });

  it('drops a deleted actor from followers', async () => {
    const dave = remote.addActor('dave');
    await remote.send(aliceInbox, { id: id('follow'), type: 'Follow', actor: dave.id, object: 'https://l2.test/users/alice' }, dave);
    expect(await followers()).toContain(dave.id);
    expect(
      (await remote.send(`${server.url}/inbox`, { id: id('delete'), type: 'Delete', actor: dave.id, object: dave.id }, dave)).status,
    ).toBe(202);
    expect(await followers()).not.toContain(dave.id);
    expect((await db()('remote_actors').where({ actor_id: dave.id }).first()).gone_at).not.toBeNull();
  });

  it('answers 202 to a Delete from an actor it never knew, without fetching anything', async () => {
    const fetchesBefore = remote.actorFetches.length;
    const ghost = `${remote.url}/users/ghost`;
    const res = await fetch(`${server.url}/inbox`, {
      method: 'POST',
      headers: { 'content-type': 'application/activity+json' },
      body: JSON.stringify({ id: id('delete'), type: 'Delete', actor: ghost, object: ghost }),
    });
    expect(res.status).toBe(202);
    expect(remote.actorFetches.length).toBe(fetchesBefore);
    expect(await db()('inbox_activities').where({ actor_id: ghost })).toHaveLength(0);
  });
});

describe('inbox refusals (nothing stored)', () => {
  const follow = () => ({ id: id('follow'), type: 'Follow', actor: bob.id, object: 'https://l2.test/users/alice' });
  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(aliceInbox, { method: 'POST', headers: { 'content-type': 'application/activity+json', ...headers }, body });

  async function refused(res: Response, status: number, code?: string) {
    expect(res.status).toBe(status);
    const body = (await res.json()) as { error: { code: string; message: string } };
    if (code) expect(body.error.code).toBe(code);
    expect(body.error.message.length).toBeGreaterThan(10);
    return body;
  }

  it('refuses an unsigned POST', async () => {
    const activity = follow();
    await refused(await post(JSON.stringify(activity)), 401, 'signature_missing_signature');
    expect(await stored(activity.id)).toHaveLength(0);
  });

  it('refuses a body changed after signing (Digest mismatch)', async () => {
    const activity = follow();
    const res = await remote.send(aliceInbox, activity, bob, {
      body: JSON.stringify({ ...activity, object: 'https://l2.test/users/other' }),
    });
    await refused(res, 401, 'signature_digest_mismatch');
  });

  it('refuses a stale or future Date', async () => {
    for (const offset of [-3 * 3600_000, 3 * 3600_000]) {
      const activity = follow();
      const date = new Date(Date.now() + offset).toUTCString();
      // Re-sign with the shifted date, so only the window check can fail.
      const { signRequest } = await import('../../src/federation/http-signatures.js');
      const body = JSON.stringify(activity);
      const headers = signRequest(
        { method: 'POST', url: aliceInbox, headers: { 'content-type': 'application/activity+json' }, body },
        bob,
        new Date(Date.parse(date)),
      );
      const res = await fetch(aliceInbox, { method: 'POST', headers, body });
      await refused(res, 401, 'signature_date_out_of_window');
    }
  });

  it('refuses a signature by the wrong key, an unknown key, and a signer who is not the actor', async () => {
    const impostor = { ...bob, privateKey: remote.addActor('someone').privateKey };
    await refused(await remote.send(aliceInbox, follow(), bob, { signer: impostor }), 401, 'signature_bad_signature');
    const unknown = { ...bob, keyId: `${remote.url}/users/nobody#main-key` };
    await refused(await remote.send(aliceInbox, follow(), bob, { signer: unknown }), 401, 'signature_unknown_key');
    const activity = follow();
    const mismatch = await refused(await remote.send(aliceInbox, activity, bob, { signer: carol }), 401, 'signature_actor_mismatch');
    expect(mismatch.error.message).toContain(carol.id);
    expect(await stored(activity.id)).toHaveLength(0);
  });

  it('refuses keys whose actor document is malformed or huge', async () => {
    const eve = remote.addActor('eve');
    remote.serveDocument('/users/eve', { id: eve.id, type: 'Person' });
    await refused(await remote.send(aliceInbox, { ...follow(), actor: eve.id }, eve), 401, 'signature_unknown_key');
    const frank = remote.addActor('frank');
    remote.serveDocument('/users/frank', { ...remote.actorDocument(frank), padding: 'x'.repeat(300 * 1024) });
    await refused(await remote.send(aliceInbox, { ...follow(), actor: frank.id }, frank), 401, 'signature_unknown_key');
  });

  it('refuses non-JSON, a JSON array, an activity without id or actor, and a huge body', async () => {
    await refused(await post('this is not json'), 400, 'invalid_json');
    await refused(await post('[1,2]'), 400, 'invalid_activity');
    await refused(await post(JSON.stringify({ type: 'Follow', actor: bob.id })), 400, 'invalid_activity');
    await refused(await post(JSON.stringify({ id: id('x'), type: 'Follow' })), 400, 'invalid_activity');
    await refused(await post(JSON.stringify({ id: id('x'), type: 'Note', content: 'x'.repeat(2 * 1024 * 1024) })), 413);
    await refused(await post('<html></html>', { 'content-type': 'text/html' }), 415);
  });

  it('answers 404 for the inbox of a user that does not exist, and for a Follow of one', async () => {
    await refused(await remote.send(`${server.url}/users/nobody/inbox`, follow(), bob), 404);
    const activity = { ...follow(), object: 'https://l2.test/users/nobody' };
    await refused(await remote.send(`${server.url}/inbox`, activity, bob), 404);
    expect(await stored(activity.id)).toHaveLength(0);
  });
});
