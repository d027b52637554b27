// The /asset/{name} page: media preview by media type, facts, the provenance graph and its list, pin state,
// the anchor fragment HTMX polls until confirmed, the 404 page, and user and remote text rendered inert.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentHashOf } from '../../src/domain/content-hash.js';
import { client, registerAndLogin } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let api: ReturnType<typeof client>;
let token: string;
const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
const XSS = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>'];

beforeAll(async () => {
  server = await startTestServer();
  api = client(server.url);
  token = await registerAndLogin(server.url, 'alice');
});
afterAll(() => server.stop());

async function upload(name: string, type: string, data = randomBytes(2000)) {
  const form = new FormData();
  form.append('name', name);
  form.append('asset_type', type.split('/')[0] === 'image' ? 'image' : type.split('/')[0]!);
  form.append('file', new Blob([data], { type }), 'upload.bin');
  const res = await fetch(`${server.url}/assets`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  if (res.status !== 201) throw new Error(`upload ${name}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { content_hash: string };
}

/** Checks a page has none of the payloads unescaped and no inline style or script. */
function expectInert(html: string): void {
  expect(html).not.toContain('<script>alert');
  expect(html).not.toContain('<img src=x');
  expect(html).not.toMatch(/\sstyle=/);
  expect(html).not.toMatch(/<script(?![^>]*\ssrc=)/);
}

describe('asset page', () => {
  it('previews images, video and audio from the content route, with controls', async () => {
    await upload('still', 'image/png');
    await upload('clip', 'video/mp4');
    await upload('song', 'audio/mpeg');
    const still = await api.get('/asset/still', { headers: HTML });
    expect(still.text).toContain('<img class="asset-media" src="/assets/still/content" alt="still">');
    const clip = await api.get('/asset/clip', { headers: HTML });
    expect(clip.text).toMatch(/<video class="asset-media" controls[^>]*><source src="\/assets\/clip\/content" type="video\/mp4">/);
    const song = await api.get('/asset/song', { headers: HTML });
    expect(song.text).toMatch(/<audio class="asset-audio" controls[^>]*><source src="\/assets\/song\/content" type="audio\/mpeg">/);
    const ranged = await fetch(`${server.url}/assets/clip/content`, { headers: { range: 'bytes=0-99' } });
    expect(ranged.status).toBe(206);
  });

  it('shows the facts, says when there is no content to preview, and links the history', async () => {
    const hash = contentHashOf('facts only');
    const res = await api.post('/assets', {
      token,
      json: { name: 'facts', content_hash: hash, asset_type: 'document', tags: ['paper', 'draft'], description: 'A long note' },
    });
    expect(res.status).toBe(201);
    const page = await api.get('/asset/facts', { headers: HTML });
    expect(page.status).toBe(200);
    expect(page.text).toContain(`<code id="content-hash" class="break">${hash}</code>`);
    expect(page.text).toContain('<a href="/users/alice">@alice@l2.test</a>');
    expect(page.text).toContain('<a class="tag" href="/assets?tag=paper">#paper</a>');
    expect(page.text).toContain('A long note');
    expect(page.text).toContain('this server holds no copy of the content');
    expect(page.text).not.toContain('<img class="asset-media"');
    const uuid = res.body.activity_id.split('/').pop();
    expect(page.text).toContain(`<a href="/activity/${uuid}">Create #`);
    expect(page.text).toContain('None recorded: this asset was registered directly');
  });

  it('draws the provenance as an SVG image with a text list, linking inputs that are registered assets', async () => {
    const input = await upload('input-one', 'image/png');
    const unknown = contentHashOf('not registered');
    const user = await server.database.db('users').where({ username: 'alice' }).first();
    const recipe = contentHashOf('recipe');
    await server.runtime.services.assets.register(user, {
      name: 'rendered',
      contentHash: contentHashOf('rendered output'),
      assetType: 'image',
      tags: [],
      description: XSS[1]!,
      ipfsCid: null,
      provenance: {
        inputs: [input.content_hash, unknown, XSS[0]!],
        recipe,
        recipe_cid: XSS[1]!,
        l1_server: `https://l1.example/${XSS[0]}`,
        run_id: XSS[1]!,
        output: { content_hash: contentHashOf('rendered output'), ipfs_cid: null },
      },
      l1Server: 'https://l1.example',
      runId: 'run-xss',
      sizeBytes: null,
      mediaType: null,
    });
    const page = await api.get('/asset/rendered', { headers: HTML });
    expect(page.status).toBe(200);
    const svg = /<svg class="provenance-graph"[^>]*>[\s\S]*?<\/svg>/.exec(page.text)![0];
    expect(svg).toMatch(/role="img" aria-labelledby="prov-svg-title prov-svg-desc"/);
    expect(svg).toContain('<title id="prov-svg-title">Provenance of rendered</title>');
    expect(svg).toContain('<desc id="prov-svg-desc">3 inputs → recipe');
    expect(svg).not.toContain('<a ');
    expect(svg.match(/class="prov-node prov-input"/g)).toHaveLength(3);
    expect(svg).toContain('class="prov-node prov-recipe"');
    expect(svg.match(/class="prov-edge"/g)).toHaveLength(4);
    expect(page.text).toContain(`<a href="/asset/input-one">input-one</a> <code class="hash">${input.content_hash}</code>`);
    expect(page.text).toContain(`not registered here:</span> <code class="hash">${unknown}</code>`);
    expect(page.text).toContain(`<code>${recipe}</code>`);
    expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expectInert(page.text);
  });

  it('shows pin state per storage provider', async () => {
    const provider = await api.post('/storage/add', { token, json: { name: 'disk-two', type: 'local' } });
    expect(provider.status).toBe(201);
    const { content_hash } = await upload('pinned-one', 'image/png');
    await server.runtime.temporal.workflow.getHandle(`pin:${content_hash}`).result();
    const page = await api.get('/asset/pinned-one', { headers: HTML });
    expect(page.text).toContain('<li data-pin="pinned">disk-two (local): pinned');
    expect(page.text).toContain('This server holds a copy of the content.');
  });

  it('answers unknown and malformed names with the friendly 404 page', async () => {
    for (const name of ['no-such-asset', '%3Cscript%3E']) {
      const res = await api.get(`/asset/${name}`, { headers: HTML });
      expect(res.status).toBe(404);
      expect(res.text).toContain('Page not found');
      expect(res.text).toContain('<a href="/assets">all assets</a>');
      expectInert(res.text);
    }
  });
});

describe('anchor status fragment', () => {
  const fragment = (path: string) => api.get(path, { headers: { 'hx-request': 'true', accept: '*/*' } });
  const pollUrl = (html: string) => /hx-get="([^"]+)" hx-trigger="every 5s"/.exec(html)?.[1]?.replaceAll('&amp;', '&') ?? null;

  it('polls while pending, answers 204 when nothing changed, and stops once confirmed; the page agrees without JS', async () => {
    const res = await api.post('/assets', {
      token,
      json: { name: 'anchored', content_hash: contentHashOf('anchored'), asset_type: 'image' },
    });
    const db = server.database.db;
    const activity = await db('activities').where({ activity_id: res.body.activity_id }).first();

    const page = await api.get('/asset/anchored', { headers: HTML });
    expect(page.text).toContain('data-anchor="none"');
    const first = pollUrl(page.text)!;
    expect(first).toMatch(/^\/asset\/anchored\/anchor\?state=/);
    expect((await fragment(first)).status).toBe(204);

    const { anchors } = server.runtime.services.repos;
    const root = 'ab'.repeat(32);
    const anchorId = await db.transaction((trx) =>
      anchors.insert(
        trx,
        { merkle_root: root, previous_root: null, leaf_count: 1, tree: { leaves: 1, first_leaf_is_previous_root: false } },
        [{ activityId: activity.id, leafHash: Buffer.alloc(32, 7) }],
        0,
      ),
    );
    await anchors.update(db, anchorId, { status: 'pending', stamped_at: new Date() });
    const pending = await fragment(first);
    expect(pending.status).toBe(200);
    expect(pending.headers.get('cache-control')).toBe('no-store');
    expect(pending.text).not.toContain('<html');
    expect(pending.text).toContain('data-anchor="pending">Pending: waiting for a Bitcoin block</span>');
    expect(pending.text).toContain(`href="/activities/${activity.uuid}/ots"`);
    const second = pollUrl(pending.text)!;
    expect(second).not.toBe(first);
    expect((await fragment(second)).status).toBe(204);

    await anchors.update(db, anchorId, {
      status: 'confirmed',
      bitcoin_block: 812345,
      block_time: new Date('2026-01-02T03:04:05Z'),
      confirmed_at: new Date(),
    });
    const confirmed = await fragment(second);
    expect(confirmed.status).toBe(200);
    expect(confirmed.text).toContain('data-anchor="confirmed">Confirmed on Bitcoin</span>');
    expect(confirmed.text).toContain('<strong data-block>812345</strong>');
    expect(confirmed.text).toContain('data-anchor-state="settled"');
    expect(pollUrl(confirmed.text)).toBeNull();
    expect(confirmed.text).not.toContain('hx-trigger');

    const reloaded = await api.get('/asset/anchored', { headers: HTML });
    expect(reloaded.text).toContain('data-anchor="confirmed"');
    expect(reloaded.text).toContain('1 of 1 activity confirmed on Bitcoin.');
    expect(reloaded.text).not.toContain('hx-trigger="every 5s"');
  });

  it('sends a browser that opens the fragment URL to the asset page', async () => {
    const res = await api.get('/asset/anchored/anchor', { headers: HTML });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/asset/anchored#history');
    expect((await fragment('/asset/nothing-here/anchor')).status).toBe(404);
  });
});
