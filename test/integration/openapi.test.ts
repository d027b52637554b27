// /openapi.json and /docs on a running server: the document covers exactly the routes the router serves, refuses
// what the server refuses, matches what the server answers, and the docs page loads only our own files.
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Router from '@koa/router';
import { createApp } from '../../src/api/app.js';
import { HTML_ONLY_ROUTES } from '../../src/api/openapi/html-only-routes.js';
import { contentSecurityPolicy } from '../../src/api/middleware/security-headers.js';
import { loadWebAssets } from '../../src/api/web-assets.js';
import { createLogger } from '../../src/logger.js';
import { closeBrowser, openBrowser } from '../helpers/browser.js';
import { client, registerAndLogin, type Reply } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let doc: any;
let token: string;
const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

beforeAll(async () => {
  server = await startTestServer();
  doc = (await client(server.url).get('/openapi.json')).body;
  token = await registerAndLogin(server.url, 'alice');
});
afterAll(() => server.stop());

/** The routes the Koa router serves, as "METHOD /path" in Koa's own path syntax (HEAD comes with GET). */
async function routerRoutes(): Promise<string[]> {
  const app = createApp({
    config: server.config,
    logger: createLogger('silent'),
    services: server.runtime.services,
    webAssets: await loadWebAssets(),
  });
  const dispatch = app.middleware.find((m) => (m as { router?: Router }).router) as { router: Router } | undefined;
  if (!dispatch) throw new Error('no router among the app middleware');
  return dispatch.router.stack.flatMap((layer) =>
    layer.methods.filter((m) => m !== 'HEAD').map((method) => `${method} ${String(layer.path)}`),
  );
}

function documentedRoutes(): string[] {
  return Object.entries(doc.paths).flatMap(([path, item]: [string, any]) =>
    ['get', 'post', 'put', 'patch', 'delete'].filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
  );
}

/** What the document says a response with this status and content type looks like. */
function documentedSchema(method: string, template: string, reply: Reply): unknown {
  const op = doc.paths[template]?.[method];
  if (!op) throw new Error(`${method} ${template} is not documented`);
  let response = op.responses[String(reply.status)];
  if (!response) throw new Error(`${method} ${template} does not document status ${reply.status}: ${reply.text.slice(0, 300)}`);
  if (response.$ref) response = doc.components.responses[response.$ref.split('/').pop()];
  const type = (reply.headers.get('content-type') ?? '').split(';')[0]!.trim();
  const media = Object.entries(response.content ?? {}).find(([key]) => key.split(';')[0]!.trim() === type);
  if (!media) throw new Error(`${method} ${template} ${reply.status} does not document ${type}`);
  return (media[1] as { schema?: unknown }).schema;
}

/** The component schemas with undocumented properties forbidden, so a field the server adds shows up here. */
function strict(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strict);
  if (value === null || typeof value !== 'object') return value;
  const copy = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, strict(v)]));
  if (copy.properties && copy.additionalProperties === undefined) copy.additionalProperties = false;
  return copy;
}

function conforms(method: string, template: string, reply: Reply): string[] {
  const schema = documentedSchema(method, template, reply);
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  const validate = ajv.compile({ ...(schema as object), components: { schemas: strict(doc.components.schemas) } });
  const body = typeof reply.body === 'string' && reply.text.startsWith('{') ? JSON.parse(reply.text) : reply.body;
  return validate(body) ? [] : (validate.errors ?? []).map((e) => `${method} ${template} ${reply.status}: ${e.instancePath} ${e.message}`);
}

describe('GET /openapi.json', () => {
  it('serves the OpenAPI 3.1 document of this server, cached by ETag', async () => {
    const api = client(server.url);
    const res = await api.get('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body.openapi).toBe('3.1.0');
    expect(res.body.servers[0].url).toBe(server.config.publicUrl);
    const etag = res.headers.get('etag')!;
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    // fetch() adds "Cache-Control: no-cache" to conditional requests unless told otherwise, and that forbids a 304.
    const again = await api.get('/openapi.json', { headers: { 'if-none-match': etag, 'cache-control': 'max-age=0' } });
    expect(again.status).toBe(304);
    // The same JSON for browsers: it is not a page.
    expect((await api.get('/openapi.json', { headers: HTML })).body).toEqual(res.body);
  });

  it('documents every JSON route the router serves, lists the others as HTML-only, and describes nothing else', async () => {
    const served = await routerRoutes();
    const documented = documentedRoutes();
    const htmlOnly = new Set(HTML_ONLY_ROUTES);
    expect(
      served.filter((r) => !documented.includes(r) && !htmlOnly.has(r)),
      'served but neither documented nor HTML-only',
    ).toEqual([]);
    expect(
      documented.filter((r) => !served.includes(r)),
      'documented but not served',
    ).toEqual([]);
    expect(
      [...htmlOnly].filter((r) => !served.includes(r)),
      'HTML-only but not served',
    ).toEqual([]);
    expect(
      documented.filter((r) => htmlOnly.has(r)),
      'both documented and HTML-only',
    ).toEqual([]);
  });

  it('refuses what the server refuses: an asset name outside the documented pattern is a 400 naming the field', async () => {
    const pattern = new RegExp(doc.components.schemas.AssetName.pattern);
    const api = client(server.url);
    const bad = { name: 'My Asset!', content_hash: 'b'.repeat(64), asset_type: 'image' };
    expect(pattern.test(bad.name)).toBe(false);
    const refused = await api.post('/assets', { token, json: bad });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('invalid_request');
    expect(refused.body.error.details.issues.map((i: { path: string }) => i.path)).toEqual(['name']);
    expect(conforms('post', '/assets', refused)).toEqual([]);
    const good = { ...bad, name: 'my-asset' };
    expect(pattern.test(good.name)).toBe(true);
    const created = await api.post('/assets', { token, json: good });
    expect(created.status).toBe(201);
    expect(conforms('post', '/assets', created)).toEqual([]);
  });

  it('describes the answers the server gives, field by field', async () => {
    const api = client(server.url);
    const auth = { token };
    const asset = await api.post('/assets', {
      ...auth,
      json: { name: 'described', content_hash: 'c'.repeat(64), asset_type: 'video', tags: ['x'] },
    });
    const activities = await api.get('/activities');
    const provider = await api.post('/storage/add', { ...auth, json: { name: 'home', type: 'local' } });
    const code = await api.post('/auth/device/code', { json: { client_id: 'artdag-cli' } });
    const uuid = activities.body.items[0].uuid;
    const checks: [string, string, Reply][] = [
      ['get', '/', await api.get('/')],
      ['get', '/health', await api.get('/health')],
      ['get', '/ready', await api.get('/ready')],
      ['get', '/auth/me', await api.get('/auth/me', auth)],
      ['get', '/auth/me', await api.get('/auth/me')],
      ['post', '/auth/login', await api.post('/auth/login', { json: { username: 'alice', password: 'a good password' } })],
      ['post', '/auth/login', await api.post('/auth/login', { json: { username: 'alice', password: 'wrong password' } })],
      ['post', '/assets', asset],
      ['get', '/assets', await api.get('/assets?limit=5')],
      ['get', '/assets', await api.get('/assets?limit=500')],
      ['get', '/assets/{name}', await api.get('/assets/described')],
      ['get', '/assets/{name}', await api.get('/assets/nothing-here')],
      ['get', '/assets/by-run-id/{runId}', await api.get('/assets/by-run-id/run-1?l1_server=not%20a%20url')],
      ['get', '/assets/by-run-id/{runId}', await api.get('/assets/by-run-id/run-1')],
      ['patch', '/assets/{name}', await api.request('PATCH', '/assets/described', { ...auth, json: { description: 'now described' } })],
      ['get', '/activities', activities],
      ['get', '/activities/{ref}', await api.get(`/activities/${uuid}`)],
      ['get', '/objects/{hash}', await api.get(`/objects/${'c'.repeat(64)}`)],
      ['get', '/anchors', await api.get('/anchors')],
      ['get', '/anchors/verify/{ref}', await api.get(`/anchors/verify/${uuid}`)],
      ['post', '/storage/add', provider],
      ['get', '/storage', await api.get('/storage', auth)],
      ['get', '/storage/{id}', await api.get(`/storage/${provider.body.id}`, auth)],
      ['post', '/storage/{id}/test', await api.post(`/storage/${provider.body.id}/test`, auth)],
      ['get', '/renderers', await api.get('/renderers', auth)],
      ['post', '/auth/verify', await api.post('/auth/verify', { json: { token: 'agr_nope', l1_server: 'https://l1.example' } })],
      ['post', '/auth/device/code', code],
      [
        'post',
        '/auth/device/token',
        await api.post('/auth/device/token', {
          json: { ...code.body, grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: 'artdag-cli' },
        }),
      ],
      ['get', '/.well-known/webfinger', await api.get('/.well-known/webfinger?resource=acct:alice@l2.test')],
      ['get', '/.well-known/nodeinfo', await api.get('/.well-known/nodeinfo')],
      ['get', '/nodeinfo/2.1', await api.get('/nodeinfo/2.1')],
      ['get', '/users/{name}', await api.get('/users/alice', { headers: { accept: 'application/activity+json' } })],
      ['get', '/users/{name}/outbox', await api.get('/users/alice/outbox?page=true', { headers: { accept: 'application/activity+json' } })],
      ['post', '/auth/logout', await api.post('/auth/logout', { token: await registerAndLogin(server.url, 'bob') })],
    ];
    expect(checks.flatMap(([method, template, reply]) => conforms(method, template, reply))).toEqual([]);
    // The check itself notices a field the document does not name.
    expect(conforms('post', '/assets', { ...asset, body: { ...asset.body, surprise: true } })).toEqual([
      'post /assets 201:  must NOT have additional properties',
    ]);
    // A few statuses worth seeing: the checks above covered successes and errors alike.
    expect(checks.map(([, , r]) => r.status)).toEqual(expect.arrayContaining([200, 201, 400, 401, 404]));
    expect(checks.filter(([, , r]) => r.status >= 500).map(([m, t, r]) => `${m} ${t} ${r.status}`)).toEqual([]);
  });
});

describe('GET /docs', () => {
  it('is a page that loads Swagger UI and our init script from this server, with no inline script', async () => {
    const res = await client(server.url).get('/docs', { headers: HTML });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const sources = [...res.text.matchAll(/<(?:script|link)[^>]+(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(sources).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\/docs\/assets\/swagger-ui\.css\?v=[0-9a-f]{12}$/),
        expect.stringMatching(/^\/docs\/assets\/swagger-ui-bundle\.js\?v=[0-9a-f]{12}$/),
        expect.stringMatching(/^\/docs\/assets\/docs-init\.js\?v=[0-9a-f]{12}$/),
      ]),
    );
    expect(sources.every((s) => s.startsWith('/'))).toBe(true);
    expect(res.text).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(res.text).not.toMatch(/\sstyle=|\son[a-z]+=/);
  });

  it.each([
    ['swagger-ui.css', 'text/css'],
    ['swagger-ui-bundle.js', 'text/javascript'],
    ['docs-init.js', 'text/javascript'],
    ['docs.css', 'text/css'],
    ['favicon-32x32.png', 'image/png'],
  ])('serves %s with its type and a year-long immutable cache', async (file, type) => {
    const res = await fetch(`${server.url}/docs/assets/${file}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain(type);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(100);
  });

  it.each([
    '/docs/assets/../package.json',
    '/docs/assets/..%2Fpackage.json',
    '/docs/assets/%2e%2e%2f%2e%2e%2fpackage.json',
    '/docs/assets/index.html',
    '/docs/assets/swagger-initializer.js',
    '/docs/assets/swagger-ui-bundle.js.map',
    '/docs/assets/constructor',
  ])('answers 404 for %s: only the listed files are served', async (path) => {
    const res = await client(server.url).get(path);
    expect(res.status).toBe(404);
    expect(res.text).not.toContain('"name"');
  });

  it('keeps the strict CSP on /docs: Swagger UI runs without inline scripts or styles', async () => {
    const api = client(server.url);
    const strictPolicy = contentSecurityPolicy(server.config.l1Servers);
    for (const path of ['/docs', '/docs/assets/docs-init.js', '/openapi.json', '/']) {
      expect((await api.get(path, { headers: HTML })).headers.get('content-security-policy'), path).toBe(strictPolicy);
    }
    expect(strictPolicy).toContain("script-src 'self';");
    expect(strictPolicy).toContain("style-src 'self';");
  });

  it('renders every operation in a real browser with no error and no request off this host', async () => {
    const browser = await openBrowser();
    try {
      await browser.page.goto(`${server.url}/docs`);
      await browser.page.waitForSelector('.opblock-summary', { timeout: 30_000 });
      const shown = await browser.page.locator('.opblock').count();
      const documented = documentedRoutes().length;
      expect(shown).toBe(documented);
      await browser.screenshot('api-docs');
      expect(browser.offHost).toEqual([]);
      expect(browser.errors).toEqual([]);
      expect(await browser.axe()).toEqual([]);
      // An operation opened, with its parameters, body schema and responses: still no error, still accessible.
      await browser.page.locator('#operations-Assets-registerAsset .opblock-summary-control').click();
      await browser.page.waitForSelector('#operations-Assets-registerAsset .responses-table');
      await browser.page.locator('#operations-Assets-listAssets .opblock-summary-control').click();
      await browser.page.waitForSelector('#operations-Assets-listAssets .parameters');
      await browser.page.locator('#operations-Assets-listAssets .try-out__btn').click();
      await browser.page.waitForSelector('#operations-Assets-listAssets .execute');
      await browser.screenshot('api-docs-operation');
      expect(await browser.axe()).toEqual([]);
      expect(browser.errors).toEqual([]);
    } finally {
      await browser.close();
      await closeBrowser();
    }
  }, 90_000);
});
