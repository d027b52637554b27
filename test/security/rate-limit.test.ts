// Rate limits on login, register and the device-login endpoints: they apply (429 + Retry-After, JSON or HTML),
// they reset when their window ends, they hold under concurrency across two api processes, and they never lock
// out another account or another address. Everything here comes from 127.0.0.1, so isolation is shown per
// account, and per address through X-Forwarded-For on a server with TRUST_PROXY (and ignored without it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, CookieJar, type Reply } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const PASSWORD = 'a good password';
const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

/** Public-looking addresses: only ever written into X-Forwarded-For, never connected to. */
const ADDRESS = { a: '81.2.69.160', b: '81.2.69.161', c: '81.2.69.162', d: '81.2.69.163', e: '81.2.69.164' };

let server: TestServer;
let second: TestServer;
let proxied: TestServer;
let api: ReturnType<typeof client>;
let proxiedApi: ReturnType<typeof client>;

beforeAll(async () => {
  // The per-address limit is raised here so the per-account tests below cannot trip it.
  const env = { LOGIN_ADDRESS_RATE_LIMIT: '1000/15m' };
  server = await startTestServer({ role: 'api', env });
  // A second api process on the same database: the counters must be shared, not per process.
  second = await startTestServer({ role: 'api', env, database: server.database });
  proxied = await startTestServer({
    role: 'api',
    env: { TRUST_PROXY: 'true', LOGIN_ADDRESS_RATE_LIMIT: '5/15m', REGISTER_RATE_LIMIT: '3/1h', DEVICE_RATE_LIMIT: '4/1m' },
  });
  api = client(server.url);
  proxiedApi = client(proxied.url);
  for (const name of ['alice', 'bob', 'carol', 'dave', 'erin']) await register(api, name);
  await register(proxiedApi, 'pat', ADDRESS.e);
}, 180_000);
afterAll(async () => {
  await second?.stop();
  await server?.stop();
  await proxied?.stop();
});

async function register(target: ReturnType<typeof client>, username: string, from?: string): Promise<Reply> {
  return await target.post('/auth/register', { json: { username, password: PASSWORD }, headers: from ? { 'x-forwarded-for': from } : {} });
}

const login = (target: ReturnType<typeof client>, username: string, password: string, headers: Record<string, string> = {}) =>
  target.post('/auth/login', { json: { username, password }, headers });

async function failLogins(username: string, times: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < times; i++) statuses.push((await login(api, username, `wrong ${i}`)).status);
  return statuses;
}

/** As if the window had ended: what 15 minutes of waiting does, without waiting. */
async function windowPassed(db: TestServer['database']['db'], bucket: string): Promise<void> {
  await db('rate_limits')
    .where({ bucket })
    .update({ window_ends_at: db.raw("now() - interval '1 second'") });
}

function expectTooMany(res: Reply, message: RegExp): void {
  expect(res.status).toBe(429);
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(3600);
  expect(res.body.error.code).toBe('too_many_requests');
  expect(res.body.error.message).toMatch(message);
  expect(res.body.error.details.retry_after_seconds).toBe(retryAfter);
}

describe('failed logins per account and address', () => {
  it('refuses the 11th attempt within 15 minutes with 429, even with the right password', async () => {
    expect(await failLogins('alice', 10)).toEqual(new Array(10).fill(401));
    const eleventh = await login(api, 'alice', 'wrong again');
    expectTooMany(eleventh, /too many failed logins for this account from your address: try again in 15 minutes/i);
    expect(Number(eleventh.headers.get('retry-after'))).toBeGreaterThan(890);
    // The password is not even checked while locked: a correct guess would otherwise be confirmed.
    expectTooMany(await login(api, 'alice', PASSWORD), /try again/);
  });

  it('does not lock out another account from the same address', async () => {
    const bob = await login(api, 'bob', PASSWORD);
    expect(bob.status).toBe(200);
    expect(bob.body.username).toBe('bob');
  });

  it('ignores X-Forwarded-For without TRUST_PROXY, so a made-up address does not escape the limit', async () => {
    expectTooMany(await login(api, 'alice', PASSWORD, { 'x-forwarded-for': ADDRESS.a }), /try again/);
  });

  it('counts on the other api process too', async () => {
    expectTooMany(await login(client(second.url), 'alice', PASSWORD), /try again/);
  });

  it('answers a browser form with an HTML page that says how long to wait', async () => {
    const jar = new CookieJar();
    const browser = client(server.url, jar);
    await browser.get('/login', { headers: HTML });
    const res = await browser.post<string>('/login', {
      form: { _csrf: jar.get('artdag_csrf')!, username: 'alice', password: PASSWORD },
      headers: HTML,
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(res.text).toContain('Slow down');
    expect(res.text).toMatch(/try again in 15 minutes/);
    expect(jar.get('artdag_session')).toBeUndefined();
  });

  it('lets the account in again once the window has passed, and a success starts the count afresh', async () => {
    await windowPassed(server.database.db, 'login');
    expect((await login(api, 'alice', PASSWORD)).status).toBe(200);
    expect(await server.database.db('rate_limits').where({ bucket: 'login' }).andWhereLike('key', 'alice %')).toEqual([]);
    // Nine failures, a success, nine more: never locked, because the success cleared the first nine.
    expect(await failLogins('carol', 9)).toEqual(new Array(9).fill(401));
    expect((await login(api, 'carol', PASSWORD)).status).toBe(200);
    expect(await failLogins('carol', 9)).toEqual(new Array(9).fill(401));
    expect((await login(api, 'carol', PASSWORD)).status).toBe(200);
  });

  it('treats unknown accounts exactly like real ones, so the limit does not reveal which names exist', async () => {
    expect(await failLogins('nobody_here', 10)).toEqual(new Array(10).fill(401));
    const real = await failLogins('erin', 10);
    expect(real).toEqual(new Array(10).fill(401));
    const unknown = await login(api, 'nobody_here', 'guess');
    const known = await login(api, 'erin', 'guess');
    expect(unknown.status).toBe(429);
    expect(known.status).toBe(429);
    expect(unknown.body.error.message).toBe(known.body.error.message);
  });

  it('does not count bad input or a missing CSRF token as a guess', async () => {
    for (let i = 0; i < 12; i++) expect((await api.post('/auth/login', { json: { username: 'bob' } })).status).toBe(400);
    const jar = new CookieJar();
    const browser = client(server.url, jar);
    await browser.get('/login', { headers: HTML });
    for (let i = 0; i < 12; i++) {
      const forged = await browser.post('/login', { form: { username: 'bob', password: 'x' }, headers: HTML });
      expect(forged.status).toBe(403);
    }
    expect((await login(api, 'bob', PASSWORD)).status).toBe(200);
  });

  it('cannot be overshot by concurrent guesses spread over two api processes: exactly 10 are checked', async () => {
    const targets = [api, client(second.url)];
    const replies = await Promise.all(Array.from({ length: 30 }, (_, i) => login(targets[i % 2]!, 'dave', `parallel ${i}`)));
    const statuses = replies.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20);
  });
});

describe('failed logins per address (TRUST_PROXY, LOGIN_ADDRESS_RATE_LIMIT=5/15m)', () => {
  const from = (address: string) => ({ 'x-forwarded-for': address });

  it('stops an address that guesses across many accounts, and only that address', async () => {
    for (let i = 0; i < 5; i++) expect((await login(proxiedApi, `victim_${i}`, 'guess', from(ADDRESS.a))).status).toBe(401);
    const blocked = await login(proxiedApi, 'pat', PASSWORD, from(ADDRESS.a));
    expectTooMany(blocked, /too many failed logins from your address/i);
    expect((await login(proxiedApi, 'pat', PASSWORD, from(ADDRESS.b))).status).toBe(200);
  });

  it('keys on the hop our proxy wrote: entries the client put further out cannot be rotated to escape', async () => {
    for (let i = 0; i < 3; i++) {
      const spoofed = await login(proxiedApi, 'pat', PASSWORD, from(`9.9.9.${i}, ${ADDRESS.a}`));
      expect(spoofed.status).toBe(429);
    }
    // Private hops (our own proxies) are skipped: the client is the nearest public address.
    expect((await login(proxiedApi, 'pat', PASSWORD, from(`${ADDRESS.a}, 10.0.0.7`))).status).toBe(429);
  });

  it('counts one IPv6 /64 as one address', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await login(proxiedApi, 'pat', 'guess', from(`2a00:1450:4001:81a::${(i + 1).toString(16)}`));
      expect(res.status).toBe(401);
    }
    expect((await login(proxiedApi, 'pat', PASSWORD, from('2a00:1450:4001:81a:ffff::1'))).status).toBe(429);
    expect((await login(proxiedApi, 'pat', PASSWORD, from('2a00:1450:4001:81b::1'))).status).toBe(200);
  });

  it('lifts the block when the window has passed', async () => {
    await windowPassed(proxied.database.db, 'login-address');
    expect((await login(proxiedApi, 'pat', PASSWORD, from(ADDRESS.a))).status).toBe(200);
  });
});

describe('registrations per address (REGISTER_RATE_LIMIT=3/1h)', () => {
  it('allows 3 new accounts from an address, then answers 429 there but not elsewhere', async () => {
    for (const name of ['r_one', 'r_two', 'r_three']) expect((await register(proxiedApi, name, ADDRESS.b)).status).toBe(201);
    expectTooMany(
      await register(proxiedApi, 'r_four', ADDRESS.b),
      /too many accounts were created from your address: try again in 60 minutes/i,
    );
    expect(await proxied.database.db('users').where({ username: 'r_four' })).toEqual([]);
    expect((await register(proxiedApi, 'r_four', ADDRESS.c)).status).toBe(201);
  });

  it('answers the browser form with an HTML 429', async () => {
    const jar = new CookieJar();
    const browser = client(proxied.url, jar);
    await browser.get('/register', { headers: HTML });
    const res = await browser.post<string>('/register', {
      form: { _csrf: jar.get('artdag_csrf')!, username: 'r_five', password: PASSWORD },
      headers: { ...HTML, 'x-forwarded-for': ADDRESS.b },
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.text).toMatch(/Too many accounts were created from your address/);
  });

  it('does not count refused registrations, and concurrent identical ones make one account', async () => {
    for (let i = 0; i < 5; i++) expect((await register(proxiedApi, 'r_one', ADDRESS.d)).status).toBe(409);
    const replies = await Promise.all(Array.from({ length: 8 }, () => register(proxiedApi, 'r_same', ADDRESS.d)));
    expect(replies.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    expect((await register(proxiedApi, 'r_other', ADDRESS.d)).status).toBe(201);
    expect((await register(proxiedApi, 'r_third', ADDRESS.d)).status).toBe(201);
    expect((await register(proxiedApi, 'r_fourth', ADDRESS.d)).status).toBe(429);
  });

  it('allows registrations again once the window has passed', async () => {
    await windowPassed(proxied.database.db, 'register');
    expect((await register(proxiedApi, 'r_later', ADDRESS.b)).status).toBe(201);
  });
});

describe('device-login endpoints per address (DEVICE_RATE_LIMIT=4/1m)', () => {
  const code = (from: string) =>
    proxiedApi.post('/auth/device/code', { json: { client_id: 'artdag-cli' }, headers: { 'x-forwarded-for': from } });
  const poll = (deviceCode: string, from: string) =>
    proxiedApi.post('/auth/device/token', {
      json: { grant_type: GRANT, device_code: deviceCode, client_id: 'artdag-cli' },
      headers: { 'x-forwarded-for': from },
    });

  it('answers the 5th code request in a minute with 429 slow_down in OAuth form, per address', async () => {
    for (let i = 0; i < 4; i++) expect((await code(ADDRESS.a)).status).toBe(200);
    const refused = await code(ADDRESS.a);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(refused.body).toMatchObject({
      error: 'slow_down',
      error_description: expect.stringMatching(/too many requests from your address/i),
    });
    expect((await code(ADDRESS.b)).status).toBe(200);
  });

  it('limits token polling per address, also with made-up device codes, and resets with the window', async () => {
    for (let i = 0; i < 4; i++) expect((await poll(`made-up-${i}`, ADDRESS.c)).body.error).toBe('invalid_grant');
    const refused = await poll('made-up-5', ADDRESS.c);
    expect(refused.status).toBe(429);
    expect(refused.body.error).toBe('slow_down');
    expect((await poll('made-up-6', ADDRESS.d)).body.error).toBe('invalid_grant');
    await windowPassed(proxied.database.db, 'device:/auth/device/token');
    expect((await poll('made-up-7', ADDRESS.c)).body.error).toBe('invalid_grant');
  });
});

describe('device-token polling interval (RFC 8628 §3.5)', () => {
  const poll = (deviceCode: string) =>
    api.post('/auth/device/token', { json: { grant_type: GRANT, device_code: deviceCode, client_id: 'artdag-cli' } });

  /** As if the device had waited `seconds` since its last poll. */
  async function waited(userCode: string, seconds: number): Promise<void> {
    await server.database
      .db('device_codes')
      .where({ user_code: userCode })
      .update({ last_polled_at: server.database.db.raw(`clock_timestamp() - make_interval(secs => ${seconds})`) });
  }

  it('adds 5 seconds for every poll that comes too soon, and answers normally at the raised interval', async () => {
    const codes = (await api.post('/auth/device/code', { json: { client_id: 'artdag-cli' } })).body as {
      device_code: string;
      user_code: string;
      interval: number;
    };
    expect(codes.interval).toBe(5);
    expect((await poll(codes.device_code)).body.error).toBe('authorization_pending');
    expect((await poll(codes.device_code)).body).toMatchObject({ error: 'slow_down', interval: 10 });
    // Waiting the original 5 s is no longer enough once told to slow down.
    await waited(codes.user_code, 6);
    expect((await poll(codes.device_code)).body).toMatchObject({ error: 'slow_down', interval: 15 });
    await waited(codes.user_code, 15);
    const patient = await poll(codes.device_code);
    expect(patient.status).toBe(400);
    expect(patient.body.error).toBe('authorization_pending');
    const row = await server.database.db('device_codes').where({ user_code: codes.user_code }).first();
    expect(row.interval_seconds).toBe(15);
  });
});
