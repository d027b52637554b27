import { createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyActivitySignature } from '../../src/domain/activity-signature.js';
import { contentHashOf } from '../../src/domain/content-hash.js';
import { client, registerAndLogin } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let api: ReturnType<typeof client>;
let alice: string;
let bob: string;

beforeAll(async () => {
  server = await startTestServer();
  api = client(server.url);
  alice = await registerAndLogin(server.url, 'alice');
  bob = await registerAndLogin(server.url, 'bob');
});
afterAll(() => server.stop());

const hash = (label: string) => contentHashOf(`content of ${label}`);

async function counts() {
  const [assets] = await server.database.db('assets').count('* as n');
  const [activities] = await server.database.db('activities').count('* as n');
  return { assets: Number(assets!.n), activities: Number(activities!.n) };
}

describe('POST /assets', () => {
  it('registers an asset with a signed Create stored byte-exact', async () => {
    const res = await api.post('/assets', {
      token: alice,
      json: {
        name: 'sunset',
        content_hash: `sha3-256:${hash('sunset').toUpperCase()}`,
        asset_type: 'image',
        tags: ['Sky', '#sunset', 'sky'],
        description: 'Evening',
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: 'sunset',
      content_hash: hash('sunset'),
      asset_type: 'image',
      owner: '@alice@l2.test',
      tags: ['sky', 'sunset'],
      description: 'Evening',
      provenance: null,
      ipfs_cid: null,
      object_id: `https://l2.test/objects/${hash('sunset')}`,
    });
    expect(res.body.activity_id).toMatch(/^https:\/\/l2\.test\/activities\/[0-9a-f-]{36}$/);

    const uuid = res.body.activity_id.split('/').pop();
    const raw = await api.get(`/activities/${uuid}`);
    expect(raw.headers.get('content-type')).toContain('application/activity+json');
    const row = await server.database.db('activities').where({ uuid }).first();
    expect(raw.text).toBe(row.raw);
    const activity = JSON.parse(raw.text);
    expect(activity).toMatchObject({
      type: 'Create',
      actor: 'https://l2.test/users/alice',
      object: {
        id: `https://l2.test/objects/${hash('sunset')}`,
        type: 'Image',
        name: 'sunset',
        attributedTo: 'https://l2.test/users/alice',
        contentHash: { algorithm: 'sha3-256', value: hash('sunset') },
      },
      signature: { type: 'JcsRsaSignature2025', creator: 'https://l2.test/users/alice#main-key' },
    });
    const key = await server.database
      .db('actor_keys')
      .join('users', 'users.id', 'actor_keys.user_id')
      .where('users.username', 'alice')
      .first();
    expect(verifyActivitySignature(raw.text, createPublicKey(key.public_key_pem))).toBe(true);
    expect(verifyActivitySignature(raw.text.replace('Evening', 'Morning'), createPublicKey(key.public_key_pem))).toBe(false);
  });

  it('returns the existing asset (200) when the same owner repeats the same registration', async () => {
    const before = await counts();
    const res = await api.post('/assets', { token: alice, json: { name: 'sunset', content_hash: hash('sunset'), asset_type: 'image' } });
    expect(res.status).toBe(200);
    expect(res.body.name).toBe('sunset');
    expect(await counts()).toEqual(before);
  });

  it('refuses a second registration of a content hash with 409 naming the owner', async () => {
    const before = await counts();
    const res = await api.post('/assets', { token: bob, json: { name: 'mine-now', content_hash: hash('sunset'), asset_type: 'image' } });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('content_already_registered');
    expect(res.body.error.message).toContain('@alice@l2.test');
    expect(res.body.error.details.owner).toBe('@alice@l2.test');
    expect(await counts()).toEqual(before);
  });

  it('refuses a taken name with 409', async () => {
    const res = await api.post('/assets', { token: bob, json: { name: 'sunset', content_hash: hash('other'), asset_type: 'image' } });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('name_taken');
  });

  it.each([
    [{ name: 'x', content_hash: 'abc', asset_type: 'image' }, 'content_hash', 'SHA3-256'],
    [{ name: 'x', content_hash: 'sha256:' + 'a'.repeat(64), asset_type: 'image' }, 'content_hash', 'SHA3-256'],
    [{ name: 'Bad Name', content_hash: 'a'.repeat(64), asset_type: 'image' }, 'name', 'a-z'],
    [{ name: '-x', content_hash: 'a'.repeat(64), asset_type: 'image' }, 'name', 'starting with'],
    [{ name: 'x', content_hash: 'a'.repeat(64), asset_type: 'painting' }, 'asset_type', 'image, video'],
    [{ name: 'x', content_hash: 'a'.repeat(64), asset_type: 'image', tags: ['ok', 'not ok!'] }, 'tags', 'invalid tag'],
    [
      { name: 'x', content_hash: 'a'.repeat(64), asset_type: 'image', tags: Array.from({ length: 21 }, (_, i) => `t${i}`) },
      'tags',
      'at most 20',
    ],
    [{ name: 'x', content_hash: 'a'.repeat(64), asset_type: 'image', tags: 'a,b' }, null, null],
    [{ name: 'x', content_hash: 'a'.repeat(64), asset_type: 'image', ipfs_cid: 'not-a-cid' }, 'ipfs_cid', 'IPFS CID'],
    [{ content_hash: 'a'.repeat(64), asset_type: 'image' }, 'name', 'required'],
  ])('validates %j', async (body, field, words) => {
    const before = await counts();
    const res = await api.post('/assets', { token: bob, json: body });
    if (field === null) {
      expect(res.status).toBe(201);
      expect(res.body.tags).toEqual(['a', 'b']);
      return;
    }
    expect(res.status).toBe(400);
    const issue = res.body.error.details.issues.find((i: { path: string }) => i.path === field);
    expect(issue?.message).toContain(words);
    expect(await counts()).toEqual(before);
  });

  it('needs authentication', async () => {
    const res = await api.post('/assets', { json: { name: 'anon', content_hash: hash('anon'), asset_type: 'image' } });
    expect(res.status).toBe(401);
  });

  it('registers concurrent identical requests exactly once', async () => {
    const body = { name: 'race', content_hash: hash('race'), asset_type: 'video' };
    const replies = await Promise.all(Array.from({ length: 10 }, () => api.post('/assets', { token: alice, json: body })));
    expect(replies.filter((r) => r.status === 201)).toHaveLength(1);
    expect(replies.every((r) => r.status === 201 || r.status === 200)).toBe(true);
    const activities = await server.database.db('activities').where('object_id', `https://l2.test/objects/${hash('race')}`);
    expect(activities).toHaveLength(1);
  });
});

describe('reading assets', () => {
  it('gets one asset by name, 404 for an unknown one', async () => {
    expect((await api.get('/assets/sunset')).body.content_hash).toBe(hash('sunset'));
    const missing = await api.get('/assets/nope');
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toContain('nope');
  });

  it('lists newest first with cursor paging and filters', async () => {
    for (let i = 0; i < 5; i++) {
      await api.post('/assets', {
        token: bob,
        json: { name: `page-${i}`, content_hash: hash(`page-${i}`), asset_type: 'audio', tags: ['paged'] },
      });
    }
    const first = await api.get('/assets?tag=paged&limit=2');
    expect(first.body.items.map((a: { name: string }) => a.name)).toEqual(['page-4', 'page-3']);
    const second = await api.get(`/assets?tag=paged&limit=2&cursor=${first.body.next_cursor}`);
    expect(second.body.items.map((a: { name: string }) => a.name)).toEqual(['page-2', 'page-1']);
    const third = await api.get(`/assets?tag=paged&limit=2&cursor=${second.body.next_cursor}`);
    expect(third.body.items.map((a: { name: string }) => a.name)).toEqual(['page-0']);
    expect(third.body.next_cursor).toBeNull();

    const byOwner = await api.get('/assets?owner=@alice@l2.test&limit=100');
    expect(byOwner.body.items.every((a: { owner: string }) => a.owner === '@alice@l2.test')).toBe(true);
    expect(byOwner.body.items.length).toBeGreaterThan(0);
    const byType = await api.get('/assets?asset_type=audio&limit=100');
    expect(byType.body.items.every((a: { asset_type: string }) => a.asset_type === 'audio')).toBe(true);
    expect((await api.get('/assets?owner=nobody')).body.items).toEqual([]);
  });

  it('refuses bad list parameters', async () => {
    expect((await api.get('/assets?limit=0')).status).toBe(400);
    expect((await api.get('/assets?limit=abc')).status).toBe(400);
    expect((await api.get('/assets?asset_type=painting')).status).toBe(400);
    const cursor = await api.get('/assets?cursor=garbage');
    expect(cursor.status).toBe(400);
    expect(cursor.body.error.code).toBe('invalid_cursor');
  });

  it('serves the object as ActivityStreams JSON and redirects browsers to the asset page', async () => {
    const res = await api.get(`/objects/${hash('sunset')}`, { headers: { accept: 'application/activity+json' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/activity+json');
    expect(res.body).toMatchObject({ id: `https://l2.test/objects/${hash('sunset')}`, type: 'Image', name: 'sunset' });
    const html = await api.get(`/objects/${hash('sunset')}`, { headers: { accept: 'text/html' } });
    expect(html.status).toBe(302);
    expect(html.headers.get('location')).toBe('/asset/sunset');
    expect((await api.get(`/objects/${'f'.repeat(64)}`)).status).toBe(404);
    expect((await api.get('/objects/not-a-hash')).status).toBe(404);
  });

  it('renders the asset page with its history, escaping user text', async () => {
    await api.post('/assets', {
      token: bob,
      json: { name: 'xss', content_hash: hash('xss'), asset_type: 'image', description: '<img src=x onerror=alert(1)>' },
    });
    const page = await api.get('/asset/xss', { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page.text).not.toContain('<img src=x');
    expect(page.text).toMatch(/Create #\d+/);
  });
});

describe('PATCH /assets/{name}', () => {
  it('lets the owner change description, tags and type, writing a signed Update', async () => {
    const res = await api.request('PATCH', '/assets/sunset', {
      token: alice,
      json: { description: 'Dusk', tags: ['dusk'], asset_type: 'document' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ description: 'Dusk', tags: ['dusk'], asset_type: 'document', content_hash: hash('sunset') });
    const history = await server.database
      .db('activities')
      .where('object_id', `https://l2.test/objects/${hash('sunset')}`)
      .orderBy('id');
    expect(history.map((a) => a.activity_type)).toEqual(['Create', 'Update']);
    const update = JSON.parse(history[1].raw);
    expect(update.object).toMatchObject({ summary: 'Dusk', type: 'Document' });
    expect(update.object.updated).toEqual(expect.any(String));
  });

  it('refuses another user with 403 and writes nothing', async () => {
    const before = await counts();
    const res = await api.request('PATCH', '/assets/sunset', { token: bob, json: { description: 'mine' } });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toContain('@alice@l2.test');
    expect(await counts()).toEqual(before);
  });

  it.each([
    [{ content_hash: 'b'.repeat(64) }, 'content_hash'],
    [{ owner: 'bob' }, 'owner'],
    [{ name: 'renamed' }, 'name'],
    [{}, '(body)'],
    [{ asset_type: 'painting' }, 'asset_type'],
  ])('refuses %j', async (body, field) => {
    const res = await api.request('PATCH', '/assets/sunset', { token: alice, json: body });
    expect(res.status).toBe(400);
    expect(res.body.error.details.issues.map((i: { path: string }) => i.path)).toContain(field);
  });

  it('answers 404 for an unknown asset and 401 without a token', async () => {
    expect((await api.request('PATCH', '/assets/nope', { token: alice, json: { description: 'x' } })).status).toBe(404);
    expect((await api.request('PATCH', '/assets/sunset', { json: { description: 'x' } })).status).toBe(401);
  });
});

describe('activities', () => {
  it('are listed newest first and reachable by id, uuid and sequence number', async () => {
    const list = await api.get('/activities?limit=3');
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(3);
    const [newest] = list.body.items;
    expect(list.body.items[0].index).toBeGreaterThan(list.body.items[1].index);
    const byUuid = await api.get(`/activities/${newest.uuid}`);
    const byIndex = await api.get(`/activity/${newest.index}`);
    const byId = await api.get(`/activities/${encodeURIComponent(newest.activity_id)}`);
    expect(byIndex.text).toBe(byUuid.text);
    expect(byId.text).toBe(byUuid.text);
    expect(JSON.parse(byUuid.text).id).toBe(newest.activity_id);
  });

  it('answer 404 for unknown references', async () => {
    for (const ref of ['00000000-0000-0000-0000-000000000000', '999999', 'garbage']) {
      const res = await api.get(`/activities/${ref}`);
      expect(res.status).toBe(404);
    }
  });

  it('render a page for browsers', async () => {
    const list = await api.get('/activities?limit=1');
    const page = await api.get(`/activity/${list.body.items[0].uuid}`, { headers: { accept: 'text/html' } });
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.text).toContain('Signed activity');
  });
});
