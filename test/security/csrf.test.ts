// CSRF on every unsafe route a cookie can reach: with alice's session cookie but no token, a wrong token, or a
// token without its cookie, each is refused 403 csrf_failed and writes nothing. The form routes (every form a
// template posts, found by reading the templates, and the HTML-only list) are also sent with the right token, to
// show that the token was the only thing missing.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTML_ONLY_ROUTES } from '../../src/api/openapi/html-only-routes.js';
import { client, type Reply } from '../helpers/http.js';
import { ROUTE_CASES } from './authz-routes.js';
import { browserHeaders, changedTables, csrfToken, fingerprint, isUnsafe, routerRoutes, sessionToken } from './security-fixtures.js';
import { aliceGrant, aliceProvider, PASSWORDS, startWorld, type World } from './security-world.js';

let world: World;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  world = await startWorld();
  api = client(world.server.url);
});
afterAll(() => world?.stop());

type FormBody = { path: string; form?: Record<string, string>; upload?: boolean };

/** What a browser posts to each form route (the fields its form sends). */
const FORMS: Record<string, (w: World) => Promise<FormBody> | FormBody> = {
  'POST /anchors/create': () => ({ path: '/anchors/create?wait=5', form: {} }),
  'POST /anchors/:root/upgrade': (w) => ({ path: `/anchors/${w.anchorRoot}/upgrade`, form: {} }),
  'POST /assets': () => ({ path: '/assets', upload: true }),
  'POST /device': async (w) => ({
    path: '/device',
    form: { user_code: (await w.server.runtime.services.deviceAuth.start('artdag-cli')).user_code, action: 'approve' },
  }),
  'POST /login': () => ({ path: '/login', form: { username: 'alice', password: PASSWORDS.alice } }),
  'POST /logout': () => ({ path: '/logout', form: {} }),
  'POST /register': (w) => ({ path: '/register', form: { username: `csrf${w.seq()}`, password: 'a good password' } }),
  'POST /renderers/attach': (w) => ({ path: '/renderers/attach', form: { l1: w.l1.url } }),
  'POST /renderers/detach': (w) => ({ path: '/renderers/detach', form: { l1_server: w.l1.url } }),
  'POST /renderers/grants': (w) => ({ path: '/renderers/grants', form: { l1_server: w.l1.url } }),
  'POST /renderers/grants/:id/revoke': async (w) => ({ path: `/renderers/grants/${await aliceGrant(w)}/revoke`, form: {} }),
  'POST /storage': (w) => ({ path: '/storage', form: { name: `csrf-${w.seq()}`, type: 'local' } }),
  'POST /storage/:id/edit': async (w) => ({
    path: `/storage/${await aliceProvider(w)}/edit`,
    form: { name: `csrf-e${w.seq()}`, enabled: 'on' },
  }),
  'POST /storage/:id/delete': async (w) => ({ path: `/storage/${await aliceProvider(w)}/delete`, form: {} }),
  'POST /storage/:id/test': async (w) => ({ path: `/storage/${await aliceProvider(w)}/test`, form: {} }),
};

function templateFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? templateFiles(full) : e.name.endsWith('.eta') ? [full] : [];
  });
}

/** The routes the templates' forms post to: each <form method="post"> action (and hx-post), matched to a route. */
function templateFormRoutes(routes: string[]): string[] {
  const found = new Set<string>();
  for (const file of templateFiles(path.resolve('templates'))) {
    // A tag ends at the first ">" that is not inside a template tag (<%= ... %>).
    for (const [tag] of fs.readFileSync(file, 'utf8').matchAll(/<form\b(?:<%[\s\S]*?%>|[^>])*>/g)) {
      const targets = [...tag.matchAll(/\b(?:hx-post|action)="([^"]*)"/g)].map((m) => m[1]!);
      if (!/method="post"/i.test(tag) && !tag.includes('hx-post=')) continue;
      for (const target of targets) {
        const url = target.replace(/<%[=~]?[\s\S]*?%>/g, 'x1').split('?')[0]!;
        const route = routes.find((r) => new RegExp(`^POST ${r.slice(5).replace(/:[A-Za-z]+/g, '[^/]+')}$`).test(`POST ${url}`));
        if (!route) throw new Error(`${file}: a form posts to ${target}, which no route serves`);
        found.add(route);
      }
    }
  }
  return [...found].sort();
}

/** A POST of `body` by a browser with the given cookies and token; uploads carry the token in the query. */
async function post(method: string, body: FormBody, headers: Record<string, string>, token: string | null): Promise<Reply> {
  if (body.upload) {
    const data = new FormData();
    data.set('name', `csrf-upload-${world.seq()}`);
    data.set('asset_type', 'image');
    data.set('file', new Blob([`bytes ${world.seq()}`]), 'picture.png');
    const query = token === null ? '' : `?_csrf=${encodeURIComponent(token)}`;
    const res = await fetch(`${world.server.url}${body.path}${query}`, { method, headers, body: data, redirect: 'manual' });
    return { status: res.status, headers: res.headers, body: null, text: await res.text() };
  }
  return api.request(method, body.path, { form: { ...body.form, ...(token === null ? {} : { _csrf: token }) }, headers });
}

/** The three forgeries: no token, a token that is not the cookie's, and a token whose cookie is missing. */
function forgeries(session: string): { name: string; headers: Record<string, string>; token: string | null }[] {
  const csrf = csrfToken();
  return [
    { name: 'without a token', headers: browserHeaders(session, csrf), token: null },
    { name: 'with a wrong token', headers: browserHeaders(session, csrf), token: csrfToken() },
    {
      name: 'with a token but no CSRF cookie',
      headers: { ...browserHeaders(session, csrf), cookie: `artdag_session=${session}` },
      token: csrf,
    },
  ];
}

const contentFiles = () => {
  const root = path.join(world.server.config.dataDir, 'content');
  return fs.existsSync(root) ? fs.readdirSync(root, { recursive: true }).length : 0;
};

describe('the list of form routes', () => {
  it('names every route a template posts to and every unsafe HTML-only route', async () => {
    const posts = (await routerRoutes(world.server)).filter((r) => r.startsWith('POST '));
    const expected = new Set([...templateFormRoutes(posts), ...HTML_ONLY_ROUTES.filter(isUnsafe)]);
    expect(Object.keys(FORMS).sort()).toEqual([...expected].sort());
  });
});

// Every forgery runs before any real post, so no real post's background work can land between the fingerprints.
describe('forms with a session cookie', () => {
  it.each(Object.keys(FORMS))('%s: forged posts are refused 403 and write nothing', async (route) => {
    const method = route.split(' ')[0]!;
    const wrong: string[] = [];
    for (const forgery of forgeries(await sessionToken(world.server, 'alice'))) {
      const body = await FORMS[route]!(world);
      const [before, files] = [await fingerprint(world.server.database.db), contentFiles()];
      const res = await post(method, body, forgery.headers, forgery.token);
      const changed = changedTables(before, await fingerprint(world.server.database.db));
      if (res.status !== 403 || !res.text.includes('CSRF')) wrong.push(`${forgery.name}: ${res.status} ${res.text.slice(0, 120)}`);
      if (changed.length) wrong.push(`${forgery.name}: wrote to ${changed.join(', ')}`);
      if (contentFiles() !== files) wrong.push(`${forgery.name}: wrote content to disk`);
    }
    expect(wrong).toEqual([]);
  });

  it('refuses cross-site login and registration forms that carry no cookie at all', async () => {
    for (const body of [FORMS['POST /login']!(world), FORMS['POST /register']!(world)] as FormBody[]) {
      const before = await fingerprint(world.server.database.db);
      const res = await post('POST', body, { accept: 'text/html', origin: 'https://evil.example' }, null);
      expect(res.status, body.path).toBe(403);
      expect(res.headers.getSetCookie().some((c) => c.startsWith('artdag_session='))).toBe(false);
      expect(changedTables(before, await fingerprint(world.server.database.db))).toEqual([]);
    }
  });
});

describe('API routes called with the session cookie', () => {
  const cases = ROUTE_CASES.filter((c) => !c.form).map((c) => [c.route, c] as const);

  it.each(cases)('%s: without X-CSRF-Token, or with a wrong one, is refused 403 and writes nothing', async (_route, c) => {
    const method = c.route.split(' ')[0]!;
    const wrong: string[] = [];
    for (const token of [null, csrfToken()]) {
      const csrf = csrfToken();
      const req = await c.prepare(world, 'owner');
      const headers = {
        ...req.headers,
        accept: 'application/json',
        cookie: browserHeaders(await sessionToken(world.server, 'alice'), csrf).cookie!,
        ...(token ? { 'x-csrf-token': token } : {}),
      };
      const before = await fingerprint(world.server.database.db);
      const res = await api.request(method, req.path, { json: req.json, headers });
      const changed = changedTables(before, await fingerprint(world.server.database.db));
      if (res.status !== 403 || res.body?.error?.code !== 'csrf_failed')
        wrong.push(`token ${token}: ${res.status} ${res.text.slice(0, 120)}`);
      if (changed.length) wrong.push(`token ${token}: wrote to ${changed.join(', ')}`);
    }
    expect(wrong).toEqual([]);
  });
});

describe('forms with the right token', () => {
  it.each(Object.keys(FORMS))('%s succeeds, so the token was all the forgeries lacked', async (route) => {
    const csrf = csrfToken();
    const body = await FORMS[route]!(world);
    const real = await post(route.split(' ')[0]!, body, browserHeaders(await sessionToken(world.server, 'alice'), csrf), csrf);
    expect(real.status, real.text.slice(0, 300)).toBeGreaterThanOrEqual(200);
    expect(real.status).toBeLessThan(400);
  });
});
