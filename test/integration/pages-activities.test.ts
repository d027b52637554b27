// The /activities list and /activity/{id} page for browsers (signed JSON, deliveries per inbox, anchor), with the
// JSON and ActivityStreams answers programs get from the same URLs, and Vary: Accept on /objects/{hash}.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentHashOf } from '../../src/domain/content-hash.js';
import { client, registerAndLogin } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let api: ReturnType<typeof client>;
let token: string;
const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
const XSS = '"><img src=x onerror=alert(1)><script>alert(1)</script>';

beforeAll(async () => {
  server = await startTestServer();
  api = client(server.url);
  token = await registerAndLogin(server.url, 'alice');
  for (let i = 0; i < 12; i++) {
    const res = await api.post('/assets', {
      token,
      json: { name: `act-${i}`, content_hash: contentHashOf(`act ${i}`), asset_type: 'image', description: i === 0 ? XSS : null },
    });
    if (res.status !== 201) throw new Error(`register act-${i}: ${res.status}`);
  }
  expect((await api.request('PATCH', '/assets/act-3', { token, json: { tags: ['changed'] } })).status).toBe(200);
});
afterAll(() => server.stop());

const indexes = (html: string) => [...html.matchAll(/<a href="\/activity\/[0-9a-f-]{36}">(\w+) #(\d+)<\/a>/g)].map((m) => Number(m[2]));
const link = (html: string, rel: 'next' | 'prev') =>
  new RegExp(`<a rel="${rel}" href="([^"]+)"`).exec(html)?.[1]?.replaceAll('&amp;', '&') ?? null;
const rowFor = async (name: string) => {
  const asset = await server.database.db('assets').where({ name }).first();
  return server.database.db('activities').where({ asset_id: asset.id, activity_type: 'Create' }).first();
};

describe('/activities', () => {
  it('lists activities for browsers with links, and the same JSON as before for programs', async () => {
    const page = await api.get('/activities', { headers: HTML });
    expect(page.status).toBe(200);
    expect(page.headers.get('vary')).toContain('Accept');
    expect(indexes(page.text).slice(0, 3)).toEqual([13, 12, 11]);
    expect(page.text).toMatch(/>Update #13<\/a>/);
    expect(page.text).toContain('<a href="/users/alice">@alice@l2.test</a>');
    expect(page.text).toContain(`<a href="/objects/${contentHashOf('act 11')}">object ${contentHashOf('act 11').slice(0, 12)}…</a>`);
    const json = await api.get('/activities?limit=2');
    expect(json.headers.get('vary')).toContain('Accept');
    expect(Object.keys(json.body).sort()).toEqual(['items', 'next_cursor']);
    expect(Object.keys(json.body.items[0]).sort()).toEqual(['activity_id', 'actor', 'index', 'object_id', 'published', 'type', 'uuid']);
    expect(json.body.items.map((a: { index: number }) => a.index)).toEqual([13, 12]);
  });

  it('pages with older and newer links, keeping the type filter', async () => {
    const first = await api.get('/activities?limit=5', { headers: HTML });
    expect(indexes(first.text)).toEqual([13, 12, 11, 10, 9]);
    expect(link(first.text, 'prev')).toBeNull();
    const second = await api.get(link(first.text, 'next')!, { headers: HTML });
    expect(indexes(second.text)).toEqual([8, 7, 6, 5, 4]);
    const third = await api.get(link(second.text, 'next')!, { headers: HTML });
    expect(indexes(third.text)).toEqual([3, 2, 1]);
    expect(link(third.text, 'next')).toBeNull();
    expect(indexes((await api.get(link(third.text, 'prev')!, { headers: HTML })).text)).toEqual([8, 7, 6, 5, 4]);
    const creates = await api.get('/activities?type=Create&limit=5', { headers: HTML });
    expect(indexes(creates.text)).toEqual([12, 11, 10, 9, 8]);
    expect(link(creates.text, 'next')).toMatch(/^\/activities\?type=Create&limit=5&cursor=/);
    const updates = await api.get('/activities?type=Update');
    expect(updates.body.items.map((a: { type: string }) => a.type)).toEqual(['Update']);
    expect((await api.get('/activities?type=')).body.items).toHaveLength(13);
  });

  it('refuses a bad type or cursor with 400', async () => {
    const bad = await api.get('/activities?type=Explode');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('type: must be one of Create');
    expect((await api.get('/activities?after=garbage')).status).toBe(400);
    const page = await api.get('/activities?type=%3Cscript%3E', { headers: HTML });
    expect(page.status).toBe(400);
    expect(page.text).not.toContain('<script>');
  });
});

describe('/activity/{id}', () => {
  it('shows the signed JSON escaped, and still serves the exact bytes to programs and to the raw link', async () => {
    const row = await rowFor('act-0');
    const page = await api.get(`/activity/${row.uuid}`, { headers: HTML });
    expect(page.status).toBe(200);
    const pre = /<pre class="json"[^>]*><code>([\s\S]*?)<\/code><\/pre>/.exec(page.text)![1]!;
    const unescaped = pre
      .replaceAll('&quot;', '"')
      .replaceAll('&#39;', "'")
      .replaceAll('&lt;', '<')
      .replaceAll('&gt;', '>')
      .replaceAll('&amp;', '&');
    expect(JSON.parse(unescaped)).toEqual(JSON.parse(row.raw));
    expect(pre).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page.text).not.toContain('<script>alert');
    expect(page.text).not.toContain('<img src=x');
    expect(page.text).toContain('<a href="/asset/act-0">act-0</a>');
    const raw = await api.get(`/activity/${row.uuid}`, { headers: { accept: 'application/activity+json' } });
    expect(raw.text).toBe(row.raw);
    expect(raw.headers.get('vary')).toContain('Accept');
    const rawLink = await api.get(`/activities/${row.uuid}?format=raw`, { headers: HTML });
    expect(rawLink.headers.get('content-type')).toContain('application/activity+json');
    expect(rawLink.text).toBe(row.raw);
    expect(page.text).toContain(`href="/activities/${row.uuid}?format=raw"`);
  });

  it('shows delivery status per inbox (the first 100) with counts by status, escaping remote data', async () => {
    const row = await rowFor('act-1');
    const deliveries = Array.from({ length: 105 }, (_, i) => ({
      activity_id: row.id,
      inbox_url: i === 0 ? `https://evil.example/inbox${XSS}` : `https://host${i}.example/inbox`,
      host: i === 0 ? 'evil.example' : `host${i}.example`,
      status: i < 3 ? 'failed' : i < 10 ? 'pending' : 'delivered',
      attempts: i < 10 ? 2 : 1,
      last_status: i < 3 ? 500 : 202,
      last_error: i < 3 ? `server said ${XSS}` : null,
    }));
    await server.database.db('deliveries').insert(deliveries);
    const page = await api.get(`/activity/${row.uuid}`, { headers: HTML });
    expect(page.text).toContain('data-delivery-count="delivered">Delivered: 95<');
    expect(page.text).toContain('data-delivery-count="failed">Failed: 3<');
    expect(page.text).toContain('data-delivery-count="pending">Pending: 7<');
    expect(page.text.match(/<td data-delivery="/g)).toHaveLength(100);
    expect(page.text).toContain('And 5 more inboxes, counted above.');
    expect(page.text).toContain('https://evil.example/inbox&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(page.text).not.toContain('<img src=x');
    expect(page.text).not.toContain('<script>alert');
  });

  it('shows its anchor: not yet, then pending, then confirmed with the block and the proof link', async () => {
    const row = await rowFor('act-2');
    const url = `/activity/${row.uuid}`;
    expect((await api.get(url, { headers: HTML })).text).toContain('data-anchor="none">Not anchored yet');
    const { anchors } = server.runtime.services.repos;
    const db = server.database.db;
    const root = 'cd'.repeat(32);
    const id = await db.transaction((trx) =>
      anchors.insert(
        trx,
        { merkle_root: root, previous_root: null, leaf_count: 1, tree: { leaves: 1, first_leaf_is_previous_root: false } },
        [{ activityId: row.id, leafHash: Buffer.alloc(32, 3) }],
        0,
      ),
    );
    await anchors.update(db, id, { status: 'pending', stamped_at: new Date() });
    const pending = await api.get(url, { headers: HTML });
    expect(pending.text).toContain('data-anchor="pending">Pending: waiting for a Bitcoin block');
    expect(pending.text).toContain(`<code class="break">${root}</code>`);
    expect(pending.text).toContain(`href="/activities/${row.uuid}/ots"`);
    await anchors.update(db, id, { status: 'confirmed', bitcoin_block: 900001, block_time: new Date('2026-03-04T05:06:07Z') });
    const confirmed = await api.get(url, { headers: HTML });
    expect(confirmed.text).toContain('data-anchor="confirmed">Confirmed on Bitcoin');
    expect(confirmed.text).toContain('<span data-block>900001</span>');
    expect(confirmed.text).toContain(`href="/anchors/verify/${row.uuid}"`);
  });

  it('answers an unknown activity with the 404 page', async () => {
    const res = await api.get('/activity/00000000-0000-0000-0000-000000000000', { headers: HTML });
    expect(res.status).toBe(404);
    expect(res.text).toContain('Page not found');
  });
});

describe('/objects/{hash}', () => {
  it('varies on Accept for ActivityStreams, the browser redirect and the 404', async () => {
    const hash = contentHashOf('act 4');
    const json = await api.get(`/objects/${hash}`, { headers: { accept: 'application/activity+json' } });
    expect(json.status).toBe(200);
    const html = await api.get(`/objects/${hash}`, { headers: HTML });
    expect(html.status).toBe(302);
    expect(html.headers.get('location')).toBe('/asset/act-4');
    const missing = await api.get(`/objects/${'0'.repeat(64)}`, { headers: HTML });
    expect(missing.status).toBe(404);
    for (const res of [json, html, missing]) expect(res.headers.get('vary')).toContain('Accept');
  });
});
