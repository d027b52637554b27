// The authorization matrix: every mutating route (walked from the router, checked against the OpenAPI and
// HTML-only registries) × anonymous, an L1's scoped token, an opaque grant, another user, the operator and the
// owner. Refused callers get exactly the listed status and leave every table as it was; allowed ones succeed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, type Reply } from '../helpers/http.js';
import { PRINCIPALS, ROUTE_CASES, type Principal, type Req, type RouteCase } from './authz-routes.js';
import {
  browserHeaders,
  changedTables,
  csrfToken,
  fingerprint,
  isUnsafe,
  registeredRoutes,
  routerRoutes,
  sessionToken,
} from './security-fixtures.js';
import { startWorld, type World } from './security-world.js';

let world: World;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  world = await startWorld();
  api = client(world.server.url);
});
afterAll(() => world?.stop());

async function credentialOf(who: Principal): Promise<string | null> {
  switch (who) {
    case 'anonymous':
      return null;
    case 'renderer':
      return world.rendererJwt;
    case 'grant':
      return world.grantToken;
    case 'l1call':
      return world.server.runtime.services.sessions.issueForL1('alice', world.l1.url);
    case 'other':
      return sessionToken(world.server, 'bob');
    case 'operator':
      return sessionToken(world.server, world.server.config.operatorUser);
    case 'owner':
      return sessionToken(world.server, 'alice');
  }
}

async function send(c: RouteCase, req: Req, who: Principal): Promise<Reply> {
  const method = c.route.split(' ')[0]!;
  if (c.signed && who === 'owner') {
    const res = await world.remote.send(world.server.url + req.path, req.json, world.follower);
    return { status: res.status, headers: res.headers, body: null, text: await res.text() };
  }
  const credential = await credentialOf(who);
  const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
  if (c.form) {
    // A browser: the credential rides in the session cookie, with a valid CSRF pair so only authorization decides.
    const csrf = csrfToken();
    return api.request(method, req.path, {
      form: { ...req.form, _csrf: csrf },
      headers: { ...headers, ...browserHeaders(credential, csrf) },
    });
  }
  if (credential) headers.authorization = `Bearer ${credential}`;
  return api.request(method, req.path, { json: req.json, headers });
}

const db = () => world.server.database.db;
const cases = ROUTE_CASES.map((c) => [c.route, c] as const);

describe('the matrix', () => {
  it('has one entry for every mutating route the router serves, and the registries list exactly those', async () => {
    const served = (await routerRoutes(world.server)).filter(isUnsafe);
    expect(served).toEqual(registeredRoutes().filter(isUnsafe));
    expect(ROUTE_CASES.map((c) => c.route).sort()).toEqual(served);
    for (const c of ROUTE_CASES) expect(Object.keys(c.expect).sort(), c.route).toEqual([...PRINCIPALS].sort());
  });

  it('fingerprints see an update that changes no row count', async () => {
    const before = await fingerprint(db());
    await db()('users').where({ username: 'bob' }).update({ summary: 'touched' });
    expect(changedTables(before, await fingerprint(db()))).toEqual(['users']);
  });
});

// Every refusal runs before any allowed call, so no allowed call's background work can land between the
// fingerprints taken around a refusal.
describe('refused callers', () => {
  it.each(cases)('%s refuses with the listed status and writes nothing', async (_route, c) => {
    const wrong: string[] = [];
    for (const who of PRINCIPALS) {
      const expected = c.expect[who];
      if (expected === 'ok') continue;
      const req = await c.prepare(world, who);
      const before = await fingerprint(db());
      const res = await send(c, req, who);
      const changed = changedTables(before, await fingerprint(db()));
      if (res.status !== expected) wrong.push(`${who}: ${res.status}, expected ${expected}: ${res.text.slice(0, 160)}`);
      if (changed.length) wrong.push(`${who}: wrote to ${changed.join(', ')}`);
    }
    expect(wrong).toEqual([]);
  });

  it('refused the renderer token and the grant for what they are, not because they were dead', async () => {
    for (const token of [world.rendererJwt, world.grantToken]) {
      const res = await api.post('/auth/verify', { json: { token, l1_server: world.l1.url } });
      expect(res.status, res.text).toBe(200);
      expect(res.body).toMatchObject({ valid: true, username: 'alice' });
    }
    const asSession = await api.get('/auth/me', { token: world.rendererJwt });
    expect(asSession.status).toBe(401);
    expect(asSession.body.error.code).toBe('token_wrong_kind');
  });
});

describe('allowed callers', () => {
  it.each(cases)('%s succeeds for every caller it allows', async (_route, c) => {
    const wrong: string[] = [];
    for (const who of PRINCIPALS) {
      if (c.expect[who] !== 'ok') continue;
      const res = await send(c, await c.prepare(world, who), who);
      if (res.status < 200 || res.status >= 400) wrong.push(`${who}: ${res.status}: ${res.text.slice(0, 160)}`);
    }
    expect(wrong).toEqual([]);
  });
});
