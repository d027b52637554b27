// Every JSON route in the OpenAPI registry, fed generated bodies, queries and path parameters as the owner: the
// answer is never a 5xx, and every 4xx is JSON: {error: {code, message}}, or the route's own documented error shape.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { ApiOperation } from '../../src/api/openapi/operation.js';
import { API_OPERATIONS } from '../../src/api/openapi/operations/index.js';
import { client, registerAndLogin } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { configureProperties, PROPERTY_SEED } from './fast-check-setup.js';
import { jsonSchemaOf, nasty, objectOf, propertiesOf, queryOf, type Hints } from './schema-arbitraries.js';

configureProperties();

/** Routes left out, and why; everything else in the registry is fuzzed. */
const SKIPPED: Record<string, string> = {
  'POST /auth/logout': 'ends the very session the other requests use',
  'POST /anchors/create': 'starts the anchoring workflow, which stamps at the OTS calendars (outbound work)',
  'POST /anchors/test-ots': 'asks every configured OTS calendar for a test stamp (outbound work)',
  'GET /download/client/artdag.mjs': 'takes no input; serves a built file',
};
// FC_RUNS_SCALE=10 explores longer (locally); CI keeps the file under a minute on two cores.
const SCALE = Number(process.env.FC_RUNS_SCALE ?? 1);
const RUNS_WITH_INPUT = Math.round(30 * SCALE);
const RUNS_WITHOUT_INPUT = Math.round(6 * SCALE);

/** Field values that exist on the test server, offered beside generated ones (never the owner's current password). */
const HINTS: Hints = {
  resource: ['acct:alice@l2.test', 'https://l2.test/users/alice', 'alice@l2.test', 'acct:nobody@elsewhere.test'],
  username: ['alice'],
  password: ['a good password'],
  owner: ['alice', '@alice@l2.test'],
  name: ['fixture-asset'],
  content_hash: ['ab'.repeat(32), `sha3-256:${'AB'.repeat(32)}`],
  tag: ['art'],
  tags: ['art,photo', 'x'],
};

let server: TestServer;
let token: string;
/** Real values for path parameters, so some requests reach past the lookup into the handler. */
const fixtures: Record<string, string[]> = {};

beforeAll(async () => {
  // Calendars and Esplora on a closed loopback port: nothing fuzzed may reach the internet even by accident.
  server = await startTestServer({
    env: { OTS_CALENDARS: 'http://127.0.0.1:9', OTS_MIN_CALENDARS: '1', BITCOIN_ESPLORA_URL: 'http://127.0.0.1:9' },
  });
  token = await registerAndLogin(server.url, 'alice');
  const api = client(server.url);
  const hash = 'ab'.repeat(32);
  const asset = await api.post('/assets', { token, json: { name: 'fixture-asset', content_hash: hash, asset_type: 'image' } });
  expect(asset.status).toBe(201);
  const provider = await api.post('/storage/add', { token, json: { name: 'fixture-disk', type: 'local' } });
  expect(provider.status).toBe(201);
  const activities = await api.get('/activities');
  fixtures.name = ['alice', 'fixture-asset'];
  fixtures.hash = [hash];
  fixtures.id = [String(provider.body.id)];
  type ActivityItem = { index: number; uuid: string; activity_id: string };
  fixtures.ref = (activities.body.items as ActivityItem[]).flatMap((a) => [String(a.index), a.uuid, a.activity_id]);
}, 120_000);
afterAll(() => server?.stop());

/** Path parameter values: a fixture, a random string (encoded), or raw hostile text (malformed escapes; dot segments,
 * which fetch resolves, so those land on other routes, as a real client's would). */
function paramValue(name: string, method: string): fc.Arbitrary<string> {
  // DELETE never gets a fixture, so the fixtures live through every run.
  const real = method === 'delete' ? [] : (fixtures[name] ?? []);
  return fc.oneof(
    ...(real.length ? [fc.constantFrom(...real).map(encodeURIComponent)] : []),
    fc.string({ minLength: 1, maxLength: 40 }).map(encodeURIComponent),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }).map(encodeURIComponent),
    fc.constantFrom('%', '%E0%A4%A', '%ZZ', '..', '%2e%2e', '%2F', '%00', '0', '-1', '99999999999999999999', 'x'.repeat(300), '%C0%AF'),
  );
}

interface Body {
  contentType?: string;
  raw: string;
}

/** A JSON body; JSON.stringify answers undefined for a bare undefined, which goes as null. */
const json = (value: unknown, contentType = 'application/json'): Body => ({ contentType, raw: JSON.stringify(value) ?? 'null' });

function bodies(op: ApiOperation): fc.Arbitrary<Body | undefined> {
  const schema = op.body ? jsonSchemaOf(op.body) : null;
  const shaped = schema ? objectOf(schema.root, schema.defs, HINTS) : fc.dictionary(fc.string({ maxLength: 8 }), nasty);
  const depth = fc.integer({ min: 100, max: 20_000 });
  return fc.oneof(
    { weight: 6, arbitrary: shaped.map((v) => json(v)) },
    { weight: 1, arbitrary: shaped.map((v) => json(v, 'application/activity+json')) },
    {
      weight: 2,
      arbitrary: shaped.map((v) => ({
        contentType: 'application/x-www-form-urlencoded',
        raw: new URLSearchParams(
          Object.entries(v).map(([k, x]): [string, string] => [k, typeof x === 'string' ? x : (JSON.stringify(x) ?? '')]),
        ).toString(),
      })),
    },
    { weight: 2, arbitrary: fc.jsonValue().map((v) => json(v)) },
    { weight: 1, arbitrary: nasty.map((v) => json(v)) },
    { weight: 1, arbitrary: depth.map((n) => ({ contentType: 'application/json', raw: '['.repeat(n) + ']'.repeat(n) })) },
    { weight: 1, arbitrary: depth.map((n) => ({ contentType: 'application/json', raw: '{"a":'.repeat(n) + '1' + '}'.repeat(n) })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.constantFrom(
            'application/json',
            'application/json; charset=latin1',
            'text/plain',
            'application/x-www-form-urlencoded',
            'multipart/form-data',
            'application/xml',
          ),
          fc.oneof(
            fc.string({ maxLength: 200 }),
            fc.constantFrom('', '{', '{"a":', 'null', '"\\ud800"', '__proto__=1&__proto__=2&constructor=x', 'a=%ZZ&b'),
          ),
        )
        .map(([contentType, raw]) => ({ contentType, raw })),
    },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

function requestFor(op: ApiOperation) {
  const params = [...op.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
  return fc.record({
    path: fc.tuple(...params.map((name) => paramValue(name, op.method))).map((values) => {
      let path = op.path;
      params.forEach((name, i) => (path = path.replace(`:${name}`, values[i]!)));
      return path;
    }),
    query: fc.oneof(
      { weight: 4, arbitrary: queryOf(op.query, HINTS).map((pairs) => new URLSearchParams(pairs).toString()) },
      {
        weight: 1,
        arbitrary: fc.constantFrom('%', 'a=%ZZ', '&&&=&', 'limit=1&limit=2', `x=${'y'.repeat(5000)}`, '__proto__[a]=1', 'constructor=1'),
      },
    ),
    body: op.method === 'get' ? fc.constant(undefined) : bodies(op),
  });
}

/**
 * A documented status must match its documented shape. Any other 4xx is in the house format {error: {code, message}},
 * or in one of the route's own documented error shapes (the OAuth device endpoints answer every error OAuth's way).
 */
function expectErrorBody(op: ApiOperation, status: number, body: unknown, what: string): void {
  const error = (body as { error?: { code?: unknown; message?: unknown } }).error;
  const house = typeof error?.code === 'string' && typeof error?.message === 'string';
  const documented = op.responses[status]?.schema;
  if (documented) {
    const parsed = documented.safeParse(body);
    expect(parsed.success, `${what}\n${parsed.error?.message}`).toBe(true);
    return;
  }
  const own = Object.entries(op.responses).filter(([code, spec]) => Number(code) >= 400 && spec.schema);
  expect(house || own.some(([, spec]) => spec.schema!.safeParse(body).success), what).toBe(true);
}

/** Always tried first: NUL in every path parameter, known query field and body field (Postgres cannot store it). */
function nulEverywhere(op: ApiOperation): { path: string; query: string; body: Body | undefined } {
  const nul = 'a\u0000b';
  const fields = (schema: z.ZodType | undefined) => {
    if (!schema) return [] as string[];
    const { root, defs } = jsonSchemaOf(schema);
    return [...propertiesOf(root, defs).keys()];
  };
  return {
    path: op.path.replace(/:[A-Za-z0-9_]+/g, '%00'),
    query: new URLSearchParams(fields(op.query).map((name): [string, string] => [name, nul])).toString(),
    body: op.method === 'get' ? undefined : json(Object.fromEntries(fields(op.body).map((name) => [name, nul]))),
  };
}

const operations = API_OPERATIONS.filter((op) => !SKIPPED[`${op.method.toUpperCase()} ${op.path}`]);

describe(`request schemas over HTTP (seed ${PROPERTY_SEED})`, () => {
  it('skips only routes named in SKIPPED, and each of those is in the registry', () => {
    const registered = new Set(API_OPERATIONS.map((op) => `${op.method.toUpperCase()} ${op.path}`));
    for (const key of Object.keys(SKIPPED)) expect(registered, key).toContain(key);
    expect(operations.length).toBe(API_OPERATIONS.length - Object.keys(SKIPPED).length);
  });

  it.each(operations.map((op) => [`${op.method.toUpperCase()} ${op.path}`, op] as const))(
    '%s never answers 5xx, and every 4xx is a JSON error',
    async (_, op) => {
      const hasInput = Boolean(op.body || op.query || op.params || op.method !== 'get');
      await fc.assert(
        fc.asyncProperty(requestFor(op), async ({ path, query, body }) => {
          const url = `${server.url}${path}${query ? `?${query}` : ''}`;
          const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${token}` };
          if (body?.contentType) headers['content-type'] = body.contentType;
          const res = await fetch(url, { method: op.method.toUpperCase(), headers, body: body?.raw, redirect: 'manual' });
          const text = await res.text();
          const what = `${op.method.toUpperCase()} ${path}?${query.slice(0, 200)} body ${String(body?.contentType)} ${body?.raw.slice(0, 300)}\n→ ${res.status} ${text.slice(0, 500)}`;
          expect(res.status, what).toBeLessThan(500);
          if (res.status >= 400) {
            expect(res.headers.get('content-type') ?? '', what).toContain('json');
            expectErrorBody(op, res.status, JSON.parse(text), what);
          }
        }),
        { numRuns: hasInput ? RUNS_WITH_INPUT : RUNS_WITHOUT_INPUT, examples: [[nulEverywhere(op)]] },
      );
    },
  );

  it('a method a route does not serve answers 405 in the same JSON format, keeping Allow', async () => {
    const res = await client(server.url).request('PUT', '/auth/login', { json: {} });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toContain('POST');
    expect(res.body.error).toMatchObject({ code: 'method_not_allowed', message: expect.stringContaining('POST') });
    const unknown = await client(server.url).request('PROPFIND', '/auth/login');
    expect(unknown.status).toBe(501);
    expect(unknown.body.error.code).toBe('not_implemented');
  });

  it('the fixtures survived the fuzzing (DELETE never got their ids)', async () => {
    const api = client(server.url);
    expect((await api.get('/assets/fixture-asset')).status).toBe(200);
    expect((await api.get(`/storage/${fixtures.id![0]}`, { token })).status).toBe(200);
    expect((await api.get('/auth/me', { token })).status).toBe(200);
  });
});
