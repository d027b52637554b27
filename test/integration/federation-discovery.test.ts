import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, registerAndLogin } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { contentHashOf } from '../../src/domain/content-hash.js';

let server: TestServer;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  server = await startTestServer();
  api = client(server.url);
  const token = await registerAndLogin(server.url, 'alice');
  for (let i = 0; i < 3; i++) {
    await api.post('/assets', { token, json: { name: `work-${i}`, content_hash: contentHashOf(`work ${i}`), asset_type: 'image' } });
  }
});
afterAll(() => server.stop());

describe('WebFinger', () => {
  it('resolves acct: handles to the actor with CORS and jrd+json', async () => {
    const res = await api.get('/.well-known/webfinger?resource=acct:alice@l2.test');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/jrd+json');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.body.subject).toBe('acct:alice@l2.test');
    expect(res.body.links).toContainEqual({ rel: 'self', type: 'application/activity+json', href: 'https://l2.test/users/alice' });
  });

  it('resolves an actor URL resource', async () => {
    const res = await api.get(`/.well-known/webfinger?resource=${encodeURIComponent('https://l2.test/users/alice')}`);
    expect(res.status).toBe(200);
    expect(res.body.subject).toBe('acct:alice@l2.test');
  });

  it('answers 404 for unknown or foreign accounts and 400 for malformed resources', async () => {
    expect((await api.get('/.well-known/webfinger?resource=acct:nobody@l2.test')).status).toBe(404);
    expect((await api.get('/.well-known/webfinger?resource=acct:alice@elsewhere.example')).status).toBe(404);
    const malformed = await api.get('/.well-known/webfinger?resource=mailto:alice@l2.test');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('invalid_resource');
    expect((await api.get('/.well-known/webfinger')).status).toBe(400);
  });
});

describe('host-meta and NodeInfo', () => {
  it('host-meta points at WebFinger', async () => {
    const res = await api.get('/.well-known/host-meta');
    expect(res.headers.get('content-type')).toContain('application/xrd+xml');
    expect(res.text).toContain('template="https://l2.test/.well-known/webfinger?resource={uri}"');
  });

  it('NodeInfo 2.1 reports real counts', async () => {
    const links = await api.get('/.well-known/nodeinfo');
    expect(links.body.links[0]).toEqual({ rel: 'http://nodeinfo.diaspora.software/ns/schema/2.1', href: 'https://l2.test/nodeinfo/2.1' });
    const info = await api.get('/nodeinfo/2.1');
    expect(info.headers.get('content-type')).toContain('nodeinfo.diaspora.software/ns/schema/2.1');
    const users = Number((await server.database.db('users').count('* as n'))[0]!.n);
    expect(info.body).toMatchObject({
      version: '2.1',
      software: { name: 'artdag-l2' },
      protocols: ['activitypub'],
      usage: { users: { total: users, activeMonth: 1, activeHalfyear: 1 }, localPosts: 3 },
    });
  });
});

describe('actors', () => {
  it('serve a Person with the stored public key, for both ActivityPub media types', async () => {
    for (const accept of ['application/activity+json', 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"']) {
      const res = await api.get('/users/alice', { headers: { accept } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain(accept.split(';')[0]);
      expect(res.headers.get('vary')).toContain('Accept');
      const actor = JSON.parse(res.text);
      expect(actor).toMatchObject({
        id: 'https://l2.test/users/alice',
        type: 'Person',
        preferredUsername: 'alice',
        inbox: 'https://l2.test/users/alice/inbox',
        outbox: 'https://l2.test/users/alice/outbox',
        followers: 'https://l2.test/users/alice/followers',
        following: 'https://l2.test/users/alice/following',
        endpoints: { sharedInbox: 'https://l2.test/inbox' },
        publicKey: { id: 'https://l2.test/users/alice#main-key', owner: 'https://l2.test/users/alice' },
      });
      const key = await server.database
        .db('actor_keys')
        .join('users', 'users.id', 'actor_keys.user_id')
        .where('users.username', 'alice')
        .first();
      expect(actor.publicKey.publicKeyPem).toBe(key.public_key_pem);
    }
  });

  it('serve browsers an HTML profile and 404 for unknown users', async () => {
    const html = await api.get('/users/alice', { headers: { accept: 'text/html' } });
    expect(html.headers.get('content-type')).toContain('text/html');
    expect(html.text).toContain('@alice@l2.test');
    expect((await api.get('/users/nobody', { headers: { accept: 'application/activity+json' } })).status).toBe(404);
  });

  it('page the outbox newest first', async () => {
    const outbox = JSON.parse((await api.get('/users/alice/outbox', { headers: { accept: 'application/activity+json' } })).text);
    expect(outbox).toMatchObject({ type: 'OrderedCollection', totalItems: 3, first: 'https://l2.test/users/alice/outbox?page=true' });
    const page = JSON.parse((await api.get('/users/alice/outbox?page=true', { headers: { accept: 'application/activity+json' } })).text);
    expect(page.type).toBe('OrderedCollectionPage');
    expect(page.partOf).toBe('https://l2.test/users/alice/outbox');
    expect(page.orderedItems.map((a: { object: { name: string } }) => a.object.name)).toEqual(['work-2', 'work-1', 'work-0']);
    const maxId = new URL(page.prev).searchParams.get('min_id');
    const older = JSON.parse(
      (await api.get(`/users/alice/outbox?page=true&max_id=${maxId}`, { headers: { accept: 'application/activity+json' } })).text,
    );
    expect(older.orderedItems.map((a: { object: { name: string } }) => a.object.name)).toEqual(['work-1', 'work-0']);
  });

  it('have empty followers and following collections to start with', async () => {
    const followers = JSON.parse((await api.get('/users/alice/followers', { headers: { accept: 'application/activity+json' } })).text);
    expect(followers).toMatchObject({ type: 'OrderedCollection', totalItems: 0 });
    const following = JSON.parse((await api.get('/users/alice/following', { headers: { accept: 'application/activity+json' } })).text);
    expect(following.totalItems).toBe(0);
  });
});
