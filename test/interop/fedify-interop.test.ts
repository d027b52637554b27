// Our server against an independent one: Fedify 2.3.6 resolves, follows and receives from us; we verify it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/bootstrap/ports.js';
import { contentHashOf } from '../../src/domain/content-hash.js';
import { client, registerAndLogin } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { FedifyPeer } from './fedify-peer.js';

let server: TestServer;
let peer: FedifyPeer;
let token: string;
let actor: string;
let followId: string;

beforeAll(async () => {
  // Fedify must reach our actor, so our public URL is the loopback address we listen on.
  const port = await freePort();
  server = await startTestServer({
    env: {
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      ARTDAG_DOMAIN: `127.0.0.1:${port}`,
      DELIVERY_RETRY_SCHEDULE: '0.5,1,2',
    },
  });
  peer = await FedifyPeer.start({ username: 'fedi' });
  token = await registerAndLogin(server.url, 'alice');
  actor = `${server.url}/users/alice`;
});
afterAll(async () => {
  await peer.stop();
  await server.stop();
});

describe('Fedify discovers and follows us', () => {
  it('resolves @alice through our WebFinger', async () => {
    const found = await peer.webfinger(`acct:alice@127.0.0.1:${new URL(server.url).port}`, server.url);
    expect(found.subject).toBe(`acct:alice@127.0.0.1:${new URL(server.url).port}`);
    expect(found.selfHref).toBe(actor);
  });

  it('fetches our actor and understands its inboxes and key', async () => {
    const looked = await peer.lookupActor(actor);
    const key = await server.database
      .db('actor_keys')
      .join('users', 'users.id', 'actor_keys.user_id')
      .where('users.username', 'alice')
      .first();
    expect(looked).toMatchObject({
      id: actor,
      preferredUsername: 'alice',
      inbox: `${actor}/inbox`,
      sharedInbox: `${server.url}/inbox`,
      publicKeyId: `${actor}#main-key`,
      followers: `${actor}/followers`,
      outbox: `${actor}/outbox`,
    });
    expect(looked.publicKeyPem?.replace(/\s/g, '')).toBe(key.public_key_pem.replace(/\s/g, ''));
  });

  it('follows us: we verify its signature, store it, and our Accept passes its signature check', async () => {
    followId = await peer.follow(actor);
    const accept = await peer.waitFor((a) => a.type === 'Accept');
    expect(accept.actorId).toBe(actor);
    const follower = await server.database.db('followers').where({ actor_id: peer.actorId }).first();
    expect(follower).toMatchObject({
      state: 'accepted',
      inbox_url: peer.inboxUrl,
      shared_inbox_url: peer.sharedInboxUrl,
      follow_activity_id: followId,
    });
    const received = await server.database.db('inbox_activities').where({ activity_id: followId }).first();
    expect(received.signature_scheme).toBe('rfc9421');
  });
});

describe('our deliveries to Fedify', () => {
  it("deliver a new asset's Create, which Fedify accepts", async () => {
    const hash = contentHashOf('for the fediverse');
    const res = await client(server.url).post('/assets', { token, json: { name: 'for-fedi', content_hash: hash, asset_type: 'image' } });
    expect(res.status).toBe(201);
    const create = await peer.waitFor((a) => a.type === 'Create' && a.id === res.body.activity_id);
    expect(create.actorId).toBe(actor);
    expect(create.headers.signature).toContain('rsa-sha256');
    expect((create.json.object as { id: string }).id).toBe(`${server.url}/objects/${hash}`);
  });
});

describe("Fedify's deliveries to us", () => {
  it('are verified with RFC 9421 and with draft-cavage', async () => {
    for (const scheme of ['rfc9421', 'draft-cavage-http-signatures-12'] as const) {
      const id = `${peer.actorId}#note-${scheme}`;
      const note = {
        '@context': 'https://www.w3.org/ns/activitystreams',
        id,
        type: 'Create',
        actor: peer.actorId,
        object: { id: `${id}-object`, type: 'Note', attributedTo: peer.actorId, content: 'hello' },
      };
      const res = await peer.deliverRaw(`${server.url}/inbox`, note, scheme);
      expect(res.status).toBe(202);
      const stored = await server.database.db('inbox_activities').where({ activity_id: id }).first();
      expect(stored.signature_scheme).toBe(scheme === 'rfc9421' ? 'rfc9421' : 'cavage');
    }
  });

  it('a Like of our object is counted, and a Note through the normal path is stored once', async () => {
    const hash = contentHashOf('for the fediverse');
    await peer.like(actor, `${server.url}/objects/${hash}`);
    expect(await server.runtime.services.repos.interactions.counts(`${server.url}/objects/${hash}`)).toEqual({ like: 1, announce: 0 });
    const noteId = await peer.sendNote(actor, 'hi from fedify');
    expect(await server.database.db('inbox_activities').where({ activity_id: noteId })).toHaveLength(1);
  });

  it('our client fetches Fedify’s actor with a signed GET', async () => {
    const remote = await server.runtime.services.remoteActors.get(peer.actorId, true);
    expect(remote.inbox_url).toBe(peer.inboxUrl);
    expect(remote.public_key_pem).toContain('BEGIN PUBLIC KEY');
    const fetches = peer.requests.filter((r) => r.method === 'GET' && r.path === new URL(peer.actorId).pathname);
    expect(fetches.at(-1)?.headers.signature).toBeDefined();
  });

  it('an Undo of the Follow removes the follower', async () => {
    await peer.undoFollow(actor, followId);
    expect(await server.database.db('followers').where({ actor_id: peer.actorId })).toHaveLength(0);
  });
});
