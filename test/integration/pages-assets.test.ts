// The home page and the /assets list for browsers and programs: search, filters, keyset paging both ways,
// the HTMX results fragment, bad filters, and Vary.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentHashOf } from '../../src/domain/content-hash.js';
import { client, registerAndLogin } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let api: ReturnType<typeof client>;
const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
const HTMX = { 'hx-request': 'true', accept: '*/*' };

const TYPES = ['image', 'video', 'audio'] as const;

beforeAll(async () => {
  server = await startTestServer();
  api = client(server.url);
  const alice = await registerAndLogin(server.url, 'alice');
  const bob = await registerAndLogin(server.url, 'bob');
  // 25 assets, oldest first: work-00 … work-24; alice owns the even ones; every fifth is tagged "blue".
  for (let i = 0; i < 25; i++) {
    const res = await api.post('/assets', {
      token: i % 2 === 0 ? alice : bob,
      json: {
        name: `work-${String(i).padStart(2, '0')}`,
        content_hash: contentHashOf(`work ${i}`),
        asset_type: TYPES[i % 3],
        tags: i % 5 === 0 ? ['blue', `n${i}`] : [`n${i}`],
      },
    });
    if (res.status !== 201) throw new Error(`register work-${i}: ${res.status} ${res.text}`);
  }
});
afterAll(() => server.stop());

const names = (body: { items: { name: string }[] }) => body.items.map((a) => a.name);
/** Asset names in the order the HTML results table lists them. */
const rowNames = (html: string) => [...html.matchAll(/<tr data-asset="([^"]+)">/g)].map((m) => m[1]);
const link = (html: string, rel: 'next' | 'prev') => {
  const href = new RegExp(`<a rel="${rel}" href="([^"]+)"`).exec(html)?.[1];
  return href?.replaceAll('&amp;', '&') ?? null;
};

describe('home page', () => {
  it('shows the four counts and links to recent assets and activities; JSON stays the same', async () => {
    // The operator account exists too.
    const users = Number((await server.database.db('users').count('* as n'))[0]!.n);
    const page = await api.get('/', { headers: HTML });
    expect(page.status).toBe(200);
    expect(page.text).toContain(`data-stat="users">${users}<`);
    expect(page.text).toContain('data-stat="assets">25<');
    expect(page.text).toContain('data-stat="activities">25<');
    expect(page.text).toContain('data-stat="anchors">0<');
    expect(page.text).toContain('href="/asset/work-24"');
    expect(page.text).not.toContain('href="/asset/work-10"');
    expect(page.text).toMatch(/href="\/activity\/[0-9a-f-]{36}">Create #25</);
    const json = await api.get('/');
    expect(json.body).toEqual({
      software: 'artdag-l2',
      domain: 'l2.test',
      url: server.config.publicUrl,
      counts: { users, assets: 25, activities: 25 },
    });
  });
});

describe('/assets', () => {
  it('serves the page to browsers and the JSON list to programs, varying on Accept and HX-Request', async () => {
    const page = await api.get('/assets', { headers: HTML });
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.text).toContain('<form method="get" action="/assets"');
    expect(rowNames(page.text)).toHaveLength(20);
    expect(rowNames(page.text)[0]).toBe('work-24');
    const json = await api.get('/assets');
    expect(Object.keys(json.body).sort()).toEqual(['items', 'next_cursor']);
    expect(names(json.body)[0]).toBe('work-24');
    for (const res of [page, json]) {
      expect(res.headers.get('vary')).toContain('Accept');
      expect(res.headers.get('vary')).toContain('HX-Request');
    }
  });

  it('searches by name substring or exact tag, with LIKE wildcards taken literally', async () => {
    const byName = await api.get('/assets?q=work-1&limit=100');
    expect(names(byName.body).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `work-1${i}`));
    const byTag = await api.get('/assets?q=%23Blue&limit=100');
    expect(names(byTag.body)).toEqual(['work-20', 'work-15', 'work-10', 'work-05', 'work-00']);
    expect((await api.get('/assets?q=n7')).body.items.map((a: { name: string }) => a.name)).toEqual(['work-07']);
    expect((await api.get('/assets?q=%25')).body.items).toEqual([]);
    expect((await api.get('/assets?q=work_0')).body.items).toEqual([]);
    expect((await api.get('/assets?q=nothing-like-this')).body.items).toEqual([]);
  });

  it('combines search with type, tag and owner filters; blank form fields mean no filter', async () => {
    const res = await api.get('/assets?q=work-0&asset_type=image&owner=alice&tag=&limit=100');
    // work-00..09, type image (i % 3 === 0), owned by alice (even): 00 and 06.
    expect(names(res.body)).toEqual(['work-06', 'work-00']);
    const tagged = await api.get('/assets?tag=blue&owner=%40bob%40l2.test');
    expect(names(tagged.body)).toEqual(['work-15', 'work-05']);
    const page = await api.get('/assets?q=work-0&asset_type=image&owner=alice&tag=', { headers: HTML });
    expect(rowNames(page.text)).toEqual(['work-06', 'work-00']);
    expect(page.text).toMatch(/<option value="image" selected>/);
    expect(page.text).toMatch(/id="f-q" name="q" type="search" value="work-0"/);
    expect(page.text).toContain('Clear filters');
  });

  it('pages through 25 assets in both directions, keeping the filters in the links', async () => {
    const first = await api.get('/assets?limit=10&q=work', { headers: HTML });
    expect(rowNames(first.text)).toEqual(Array.from({ length: 10 }, (_, i) => `work-${24 - i}`));
    expect(link(first.text, 'prev')).toBeNull();
    const olderHref = link(first.text, 'next')!;
    expect(olderHref).toMatch(/^\/assets\?q=work&limit=10&cursor=/);
    const second = await api.get(olderHref, { headers: HTML });
    expect(rowNames(second.text)).toEqual(Array.from({ length: 10 }, (_, i) => `work-${String(14 - i).padStart(2, '0')}`));
    const third = await api.get(link(second.text, 'next')!, { headers: HTML });
    expect(rowNames(third.text)).toEqual(['work-04', 'work-03', 'work-02', 'work-01', 'work-00']);
    expect(link(third.text, 'next')).toBeNull();
    const back = await api.get(link(third.text, 'prev')!, { headers: HTML });
    expect(rowNames(back.text)).toEqual(rowNames(second.text));
    const top = await api.get(link(back.text, 'prev')!, { headers: HTML });
    expect(rowNames(top.text)).toEqual(rowNames(first.text));
    expect(link(top.text, 'prev')).toBeNull();

    const seen: string[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const path = `/assets?limit=10${cursor ? `&cursor=${cursor}` : ''}`;
      const body = (await api.get(path)).body as { items: { name: string }[]; next_cursor: string | null };
      seen.push(...names(body));
      cursor = body.next_cursor;
    }
    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);
  });

  it('answers HTMX with the results region only, and a history restore with the whole page', async () => {
    const fragment = await api.get('/assets?q=work-2', { headers: HTMX });
    expect(fragment.status).toBe(200);
    expect(fragment.headers.get('content-type')).toContain('text/html');
    expect(fragment.text.trimStart()).toMatch(/^<section id="asset-results"/);
    expect(fragment.text).not.toContain('<html');
    expect(fragment.text).not.toContain('<form');
    expect(rowNames(fragment.text)).toEqual(['work-24', 'work-23', 'work-22', 'work-21', 'work-20']);
    const restore = await api.get('/assets?q=work-2', { headers: { ...HTMX, 'hx-history-restore-request': 'true' } });
    expect(restore.text).toContain('<html');
    const page = await api.get('/assets', { headers: HTML });
    expect(page.text).toMatch(/hx-get="\/assets" hx-target="#asset-results" hx-swap="outerHTML" hx-push-url="true"/);
  });

  it('refuses bad filters: 400 JSON naming the field, the page with the error next to the field', async () => {
    const long = 'x'.repeat(101);
    const json = await api.get(`/assets?q=${long}`);
    expect(json.status).toBe(400);
    expect(json.body.error.message).toContain('q: must be at most 100 characters');
    expect((await api.get('/assets?q=a&q=b')).status).toBe(400);
    const page = await api.get(`/assets?q=${long}&tag=blue`, { headers: HTML });
    expect(page.status).toBe(400);
    expect(page.text).toMatch(/id="f-q" name="q" type="search" value="x{101}"[^>]*aria-invalid="true"/);
    expect(page.text).toContain('<p class="field-error" id="f-q-error">must be at most 100 characters</p>');
    expect(page.text).toMatch(/id="f-tag" name="tag" type="text" value="blue"/);
    const type = await api.get('/assets?asset_type=painting', { headers: HTML });
    expect(type.status).toBe(400);
    expect(type.text).toContain('id="f-type-error"');
    const cursor = await api.get('/assets?after=garbage', { headers: HTML });
    expect(cursor.status).toBe(400);
    expect(cursor.text).toContain('This page link is broken');
    const htmx = await api.get(`/assets?q=${long}`, { headers: HTMX });
    expect(htmx.status).toBe(400);
    expect(htmx.headers.get('hx-redirect')).toBe(`/assets?q=${long}`);
  });
});
