// Two Fedify peers federating with each other: proves the peer works before it is pointed at our server.
import { createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FedifyPeer, type ReceivedActivity } from './fedify-peer.js';

const isType =
  (type: string, id?: string) =>
  (a: ReceivedActivity): boolean =>
    a.type === type && (id === undefined || a.id === id);

describe('FedifyPeer', () => {
  let a: FedifyPeer;
  let b: FedifyPeer;

  beforeAll(async () => {
    [a, b] = await Promise.all([FedifyPeer.start({ username: 'peer-a' }), FedifyPeer.start({ username: 'peer-b' })]);
  });

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('serves an actor that another Fedify looks up, with inboxes, collections and an RSA key', async () => {
    const actor = await a.lookupActor(b.actorId);

    expect(b.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(actor).toMatchObject({
      id: b.actorId,
      preferredUsername: 'peer-b',
      inbox: b.inboxUrl,
      sharedInbox: b.sharedInboxUrl,
      publicKeyId: expect.stringContaining(b.actorId),
      followers: `${b.actorId}/followers`,
      outbox: `${b.actorId}/outbox`,
    });
    expect(actor.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(createPublicKey(actor.publicKeyPem!).asymmetricKeyType).toBe('rsa');
  });

  it('finds the actor by an acct: handle through WebFinger over the plain-http loopback origin', async () => {
    const host = new URL(b.origin).host;
    const jrd = await a.webfinger(`acct:peer-b@${host}`, b.origin);

    expect(jrd.subject).toBe(`acct:peer-b@${host}`);
    expect(jrd.selfHref).toBe(b.actorId);
    expect(jrd.links.length).toBeGreaterThan(0);
  });

  it('accepts a Follow: the target records it and lists the follower, the follower receives the Accept', async () => {
    const followId = await a.follow(b.actorId);

    const follow = await b.waitFor(isType('Follow', followId));
    expect(follow.actorId).toBe(a.actorId);
    const accept = await a.waitFor((r) => r.type === 'Accept' && JSON.stringify(r.json.object).includes(followId));
    expect(accept.actorId).toBe(b.actorId);
    expect(b.followers).toEqual([a.actorId]);
  });

  it('signs deliveries with RFC 9421 on the first knock, and the receiver accepts that first knock', async () => {
    const createId = await a.sendNote(b.actorId, 'hi');

    // Fedify's bodies also carry a Linked Data signature and a proof, which Fedify checks before the HTTP signature;
    // the HTTP-signature-only deliveries below show that path on its own.
    const create = await b.waitFor(isType('Create', createId));
    expect(create.headers['signature-input']).toMatch(/^sig1=/);
    expect(create.headers['signature']).toMatch(/^sig1=:/);
    expect(create.headers['content-digest']).toMatch(/^sha-256=:/);
    expect(create.headers['digest']).toBeUndefined();
    expect(create.json).toMatchObject({ type: 'Create', actor: a.actorId, object: { type: 'Note', content: 'hi' } });
    const knocks = b.requests.filter((r) => r.method === 'POST' && r.headers['content-digest'] === create.headers['content-digest']);
    expect(knocks.map((r) => r.status)).toEqual([202]);
  });

  it('drops the follower when the Follow is undone', async () => {
    const followId = await a.follow(b.actorId);
    await b.waitFor(isType('Follow', followId));
    expect(b.followers).toContain(a.actorId);

    await a.undoFollow(b.actorId, followId);

    const undo = await b.waitFor((r) => r.type === 'Undo' && JSON.stringify(r.json.object).includes(followId));
    expect(undo.actorId).toBe(a.actorId);
    expect(b.followers).not.toContain(a.actorId);
  });

  it('records a Like of an object', async () => {
    const objectUrl = `${b.origin}/notes/liked`;
    const likeId = await a.like(b.actorId, objectUrl);

    const like = await b.waitFor(isType('Like', likeId));
    expect(like.json.object).toBe(objectUrl);
    expect(like.actorId).toBe(a.actorId);
  });

  it.each(['rfc9421', 'draft-cavage-http-signatures-12'] as const)(
    'verifies a delivery that only an HTTP signature (%s) vouches for',
    async (spec) => {
      const id = `${a.origin}/activities/${spec}-only`;
      const like = { '@context': 'https://www.w3.org/ns/activitystreams', id, type: 'Like', actor: a.actorId, object: b.actorId };

      const res = await a.deliverRaw(b.inboxUrl, like, spec);

      expect(res.status).toBe(202);
      const received = await b.waitFor(isType('Like', id));
      expect(received.json).toEqual(like);
      expect(received.headers['signature-input'] === undefined).toBe(spec !== 'rfc9421');
    },
  );

  it('knocks again with draft-cavage when RFC 9421 is refused, then remembers the scheme for that origin', async () => {
    const d = await FedifyPeer.start({ username: 'peer-d', refuseSignatures: 'rfc9421' });
    try {
      const firstId = await a.sendNote(d.actorId, 'first');
      const first = await d.waitFor(isType('Create', firstId));
      expect(first.headers['signature-input']).toBeUndefined();
      expect(first.headers['signature']).toMatch(/keyId="[^"]+",algorithm="rsa-sha256",headers="\(request-target\) [^"]*digest/);
      expect(first.headers['digest']).toMatch(/^SHA-256=/);

      const secondId = await a.sendNote(d.actorId, 'second');
      await d.waitFor(isType('Create', secondId));

      const knocks = d.requests
        .filter((r) => r.method === 'POST')
        .map((r) => `${r.headers['signature-input'] ? 'rfc9421' : 'cavage'} ${r.status}`);
      expect(knocks).toEqual(['rfc9421 401', 'cavage 202', 'cavage 202']);
    } finally {
      await d.stop();
    }
  });

  it('rejects an unsigned delivery and never lists it as received', async () => {
    const id = `${a.origin}/activities/unsigned`;
    const body = { '@context': 'https://www.w3.org/ns/activitystreams', id, type: 'Like', actor: a.actorId, object: b.actorId };

    const res = await fetch(b.inboxUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/activity+json' },
      body: JSON.stringify(body),
    });

    expect(res.status).toBe(401);
    expect(b.received.some((r) => r.id === id)).toBe(false);
  });

  it('deletes its own actor: the receiver records Delete(actor) and the actor is then gone', async () => {
    const c = await FedifyPeer.start({ username: 'peer-c' });
    try {
      await c.deleteSelf(b.actorId);

      const del = await b.waitFor((r) => r.type === 'Delete' && r.actorId === c.actorId);
      expect(del.json.object).toBe(c.actorId);
      const gone = await fetch(c.actorId, { headers: { accept: 'application/activity+json' } });
      expect(gone.status).toBe(410);
    } finally {
      await c.stop();
    }
  });
});
