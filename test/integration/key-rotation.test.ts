import { createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyActivitySignature } from '../../src/domain/activity-signature.js';
import { verifyRequest } from '../../src/federation/http-signatures.js';
import { FakeFediverse } from '../doubles/fake-fediverse.js';
import { client, registerAndLogin } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let remote: FakeFediverse;
let alice: string;
let bob: string;

beforeAll(async () => {
  server = await startTestServer();
  remote = await FakeFediverse.start();
  alice = await registerAndLogin(server.url, 'alice');
  bob = await registerAndLogin(server.url, 'bob');
  const follower = remote.addActor('watcher');
  const user = await server.database.db('users').where({ username: 'alice' }).first();
  await server.database.db('followers').insert({ user_id: user.id, actor_id: follower.id, inbox_url: follower.inbox, state: 'accepted' });
});
afterAll(async () => {
  await server.stop();
  await remote.stop();
});

const activeKey = async (username: string) =>
  (
    await server.database
      .db('actor_keys')
      .join('users', 'users.id', 'actor_keys.user_id')
      .where('users.username', username)
      .whereNull('retired_at')
      .first()
  ).public_key_pem as string;

describe('POST /users/{name}/key/rotate', () => {
  it('replaces the key, keeps the old one retired, and sends followers an Update signed with the new key', async () => {
    const before = await activeKey('alice');
    const res = await client(server.url).post('/users/alice/key/rotate', { token: alice });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ key_id: 'https://l2.test/users/alice#main-key', followers_notified: 1 });
    const after = await activeKey('alice');
    expect(after).not.toBe(before);
    const keys = await server.database.db('actor_keys').join('users', 'users.id', 'actor_keys.user_id').where('users.username', 'alice');
    expect(keys).toHaveLength(2);

    const actor = JSON.parse((await client(server.url).get('/users/alice', { headers: { accept: 'application/activity+json' } })).text);
    expect(actor.publicKey.publicKeyPem).toBe(after);

    const update = await remote.waitForPost((p) => p.json.id === res.body.update_activity_id);
    expect(update.json).toMatchObject({
      type: 'Update',
      actor: 'https://l2.test/users/alice',
      object: { id: 'https://l2.test/users/alice', type: 'Person' },
    });
    expect((update.json.object as { publicKey: { publicKeyPem: string } }).publicKey.publicKeyPem).toBe(after);
    const verified = await verifyRequest(
      { method: 'POST', target: update.path, url: `${remote.url}${update.path}`, headers: update.headers, body: Buffer.from(update.body) },
      { getKey: async () => createPublicKey(after) },
    );
    expect(verified.ok).toBe(true);
    expect(verifyActivitySignature(update.body, createPublicKey(after))).toBe(true);
  });

  it('signs later deliveries with the new key', async () => {
    const key = await activeKey('alice');
    const res = await client(server.url).post('/assets', {
      token: alice,
      json: { name: 'after-rotation', content_hash: 'e'.repeat(64), asset_type: 'image' },
    });
    const create = await remote.waitForPost((p) => p.json.id === res.body.activity_id);
    const verified = await verifyRequest(
      { method: 'POST', target: create.path, url: `${remote.url}${create.path}`, headers: create.headers, body: Buffer.from(create.body) },
      { getKey: async () => createPublicKey(key) },
    );
    expect(verified.ok).toBe(true);
  });

  it("refuses to rotate someone else's key, or without a session", async () => {
    const before = await activeKey('alice');
    expect((await client(server.url).post('/users/alice/key/rotate', { token: bob })).status).toBe(403);
    expect((await client(server.url).post('/users/alice/key/rotate')).status).toBe(401);
    expect((await client(server.url).post('/users/nobody/key/rotate', { token: bob })).status).toBe(404);
    expect(await activeKey('alice')).toBe(before);
  });
});
