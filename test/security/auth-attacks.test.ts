// Forged and misused tokens against every way L2 accepts one: the session JWT as a Bearer header and as the
// browser cookie (API and page), renderer tokens at /auth/verify, and tokens won through the device flow.
// Attacks that need no secret (alg none, HS/RS confusion, tampering) must fail on the signature; the rest are
// signed with the real secret, so only the claim checks (expiry, nbf, issuer, audience, kind, revocation,
// account) stand between them and a session.
import { createHmac, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { SignJWT, exportJWK, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserLogin, client, registerAndLogin, type Reply } from '../helpers/http.js';
import { startTestServer, TEST_JWT_SECRET, type TestServer } from '../helpers/server.js';

const L1 = 'https://l1.example';
const GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
const SECRET = new TextEncoder().encode(TEST_JWT_SECRET);

let server: TestServer;
let api: ReturnType<typeof client>;
let issuer: string;
let aliceToken: string;

beforeAll(async () => {
  server = await startTestServer({ role: 'api', env: { L1_SERVERS: L1 } });
  api = client(server.url);
  issuer = server.config.publicUrl;
  aliceToken = await registerAndLogin(server.url, 'alice');
  await registerAndLogin(server.url, 'bob');
}, 120_000);
afterAll(() => server?.stop());

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

/** Claims of a genuine-looking alice session, to be bent one way at a time. */
function sessionClaims(overrides: JWTPayload = {}): JWTPayload {
  return {
    token_use: 'session',
    sub: 'alice',
    jti: crypto.randomUUID(),
    iss: issuer,
    aud: issuer,
    iat: now() - 10,
    exp: now() + 3600,
    ...overrides,
  };
}

/** Signed with the real secret (HS256 unless told otherwise). */
async function signed(claims: JWTPayload, alg = 'HS256', key: Parameters<SignJWT['sign']>[0] = SECRET): Promise<string> {
  return await new SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT' }).sign(key);
}

const bearer = (token: string) => api.get('/auth/me', { token });
const cookie = (token: string) => api.get('/auth/me', { headers: { cookie: `artdag_session=${token}` } });

/** The token gets nobody in, whichever way it is presented: Bearer, cookie (API), cookie (page). */
async function expectRefused(token: string, code: string | RegExp): Promise<void> {
  for (const [via, res] of [
    ['bearer', await bearer(token)],
    ['cookie', await cookie(token)],
  ] as const) {
    expect(res.status, `${via}: ${res.text}`).toBe(401);
    expect(res.body.error.code, via).toMatch(code);
    expect(res.text, via).not.toContain('"username"');
  }
  const page = await api.get<string>('/', { headers: { ...HTML, cookie: `artdag_session=${token}` } });
  expect(page.status).toBe(200);
  expect(page.text).not.toContain('Signed in as');
  // The page drops the bad cookie rather than trying it again on every load.
  expect(page.headers.getSetCookie().join('\n')).toMatch(/artdag_session=;.*expires=Thu, 01 Jan 1970/);
}

async function expectAccepted(token: string, username: string): Promise<void> {
  const res = await bearer(token);
  expect(res.status, res.text).toBe(200);
  expect(res.body.username).toBe(username);
}

/** A renderer token minted by L2 for `l1`, as the attach redirect carries it. */
async function rendererToken(sessionToken: string, l1 = L1): Promise<string> {
  const res = await api.get(`/renderers/attach?l1=${encodeURIComponent(l1)}`, { token: sessionToken });
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location')!).searchParams.get('auth_token')!;
}

const verify = (token: string, l1 = L1) => api.post('/auth/verify', { json: { token, l1_server: l1 } });

async function actorKeyPems(username: string): Promise<{ publicPem: string; privatePem: string }> {
  const row = await server.database
    .db('actor_keys')
    .join('users', 'users.id', 'actor_keys.user_id')
    .where('users.username', username)
    .whereNull('actor_keys.retired_at')
    .first('public_key_pem', 'private_key_pem');
  return { publicPem: row.public_key_pem, privatePem: row.private_key_pem };
}

/** Deletes by SQL, as an operator would, and waits for the api's session cache to hear of it (LISTEN/NOTIFY). */
async function deleteUser(username: string): Promise<void> {
  const cache = server.runtime.services.sessionCache;
  let unwatch: () => void = () => undefined;
  const heard = new Promise<void>((resolve) => {
    unwatch = cache.watch((event) => event.type === 'user' && event.username === username && resolve());
  });
  const deleted = await server.database.db('users').where({ username }).delete();
  expect(deleted).toBe(1);
  if (cache.isLive()) await heard;
  unwatch();
}

describe('the control: genuine tokens work both ways', () => {
  it('accepts the real session token as Bearer and as cookie', async () => {
    await expectAccepted(aliceToken, 'alice');
    expect((await cookie(aliceToken)).body.username).toBe('alice');
    expect((await signed(sessionClaims())).split('.')).toHaveLength(3);
    await expectAccepted(await signed(sessionClaims()), 'alice');
  });
});

describe('signature attacks (no secret needed)', () => {
  it.each(['none', 'None', 'NONE', 'nOnE'])('refuses alg %s, with and without a trailing signature', async (alg) => {
    const unsigned = `${b64({ alg, typ: 'JWT' })}.${b64(sessionClaims())}.`;
    await expectRefused(unsigned, /^token_(bad_signature|malformed)$/);
    const real = aliceToken.split('.')[2]!;
    await expectRefused(`${b64({ alg, typ: 'JWT' })}.${b64(sessionClaims())}.${real}`, /^token_(bad_signature|malformed)$/);
  });

  it('refuses HS256 signed with our public RSA actor key (as served in the actor document) as the secret', async () => {
    const actor = await api.get('/users/alice', { headers: { accept: 'application/activity+json' } });
    const served = JSON.parse(actor.text).publicKey.publicKeyPem as string;
    expect(served).toBe((await actorKeyPems('alice')).publicPem);
    for (const pem of [served, served.trim(), served.replace(/\n/g, '\r\n')]) {
      await expectRefused(await signed(sessionClaims(), 'HS256', new TextEncoder().encode(pem)), 'token_bad_signature');
    }
  });

  it('refuses RS256 and PS256, even signed with our own actor key or carrying its own jwk', async () => {
    const ours = createPrivateKey((await actorKeyPems('alice')).privatePem);
    await expectRefused(await signed(sessionClaims(), 'RS256', ours), 'token_bad_signature');
    await expectRefused(await signed(sessionClaims(), 'PS256', ours), 'token_bad_signature');
    const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const embedded = await new SignJWT(sessionClaims())
      .setProtectedHeader({ alg: 'RS256', jwk: await exportJWK(attacker.publicKey) })
      .sign(attacker.privateKey);
    await expectRefused(embedded, 'token_bad_signature');
  });

  it('refuses other HMAC strengths, even with the real secret (only HS256 is ours)', async () => {
    await expectRefused(await signed(sessionClaims(), 'HS512'), 'token_bad_signature');
    await expectRefused(await signed(sessionClaims(), 'HS384'), 'token_bad_signature');
  });

  it('refuses a genuine token whose payload or header was edited', async () => {
    const [header, payload, signature] = aliceToken.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as JWTPayload;
    await expectRefused(`${header}.${b64({ ...claims, sub: 'bob' })}.${signature}`, 'token_bad_signature');
    await expectRefused(`${header}.${b64({ ...claims, exp: now() + 10 * 365 * 86400 })}.${signature}`, 'token_bad_signature');
    await expectRefused(`${b64({ alg: 'HS256', typ: 'JWT', kid: '../../etc/passwd' })}.${payload}.${signature}`, 'token_bad_signature');
    // Same bytes, re-encoded with base64 padding and + / characters: not the signed text.
    const padded = Buffer.from(payload, 'base64url').toString('base64');
    if (padded !== payload) await expectRefused(`${header}.${padded}.${signature}`, /^token_/);
  });

  it('refuses critical header extensions it does not know, and garbage of every shape', async () => {
    // Signed by hand: jose will not sign what it would not verify.
    const signingInput = `${b64({ alg: 'HS256', typ: 'JWT', crit: ['exp2'], exp2: 1 })}.${b64(sessionClaims())}`;
    const mac = createHmac('sha256', TEST_JWT_SECRET).update(signingInput).digest('base64url');
    await expectRefused(`${signingInput}.${mac}`, 'token_malformed');
    for (const junk of ['a.b.c', `${b64({ alg: 'HS256' })}.${b64('[]')}.x`, 'x'.repeat(6000), `${aliceToken}.extra`]) {
      await expectRefused(junk, /^token_(malformed|bad_signature)$/);
    }
  });

  it('takes tokens only from the Authorization header or the cookie, never the query string', async () => {
    const res = await api.get(`/auth/me?access_token=${aliceToken}&token=${aliceToken}`);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthorized');
  });

  it('does not fall back to a good cookie when the Bearer token is bad', async () => {
    const res = await api.get('/auth/me', { headers: { authorization: 'Bearer not.a.token', cookie: `artdag_session=${aliceToken}` } });
    expect(res.status).toBe(401);
  });
});

describe('claim attacks (signed with the real secret)', () => {
  it('refuses an expired token, also one that expired a second ago', async () => {
    await expectRefused(await signed(sessionClaims({ iat: now() - 7200, exp: now() - 3600 })), 'token_expired');
    await expectRefused(await signed(sessionClaims({ exp: now() - 1 })), 'token_expired');
  });

  it('refuses a token whose nbf is in the future', async () => {
    await expectRefused(await signed(sessionClaims({ nbf: now() + 600 })), 'token_not_yet_valid');
  });

  it('refuses another issuer or audience, and a token without either', async () => {
    await expectRefused(await signed(sessionClaims({ iss: 'https://evil.example' })), 'token_wrong_issuer');
    await expectRefused(await signed(sessionClaims({ aud: 'https://evil.example' })), 'token_wrong_issuer');
    await expectRefused(await signed(sessionClaims({ aud: [L1] })), /^token_(wrong_issuer|wrong_kind)$/);
    await expectRefused(await signed(sessionClaims({ iss: undefined })), /^token_/);
    await expectRefused(await signed(sessionClaims({ aud: undefined })), /^token_/);
  });

  it('refuses tokens without sub, jti, exp or iat', async () => {
    for (const claim of ['sub', 'jti', 'exp', 'iat'] as const) {
      await expectRefused(await signed(sessionClaims({ [claim]: undefined })), 'token_malformed');
    }
  });

  it('refuses tokens of another kind: renderer, l1, none at all', async () => {
    const renderer = await rendererToken(aliceToken);
    await expectRefused(renderer, 'token_wrong_kind');
    await expectRefused(await signed(sessionClaims({ token_use: 'l1', aud: L1 })), 'token_wrong_kind');
    await expectRefused(await signed(sessionClaims({ token_use: 'renderer' })), 'token_wrong_kind');
    await expectRefused(await signed(sessionClaims({ token_use: undefined })), 'token_wrong_kind');
  });
});

describe('renderer tokens at /auth/verify', () => {
  it('accepts the genuine token only at its own L1', async () => {
    const token = await rendererToken(aliceToken);
    const ok = await verify(token);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ valid: true, username: 'alice' });
  });

  async function refusedAtVerify(token: string, status: number, code: string | RegExp): Promise<void> {
    const res = await verify(token);
    expect(res.status, res.text).toBe(status);
    expect(res.body.error.code).toMatch(code);
  }

  const rendererClaims = (overrides: JWTPayload = {}) => sessionClaims({ token_use: 'renderer', aud: L1, ...overrides });

  it('refuses a session token, alg none, HS/RS confusion and tampering', async () => {
    await refusedAtVerify(aliceToken, 401, 'token_wrong_kind');
    await refusedAtVerify(`${b64({ alg: 'none' })}.${b64(rendererClaims())}.`, 401, /^token_(bad_signature|malformed)$/);
    const pem = (await actorKeyPems('alice')).publicPem;
    await refusedAtVerify(await signed(rendererClaims(), 'HS256', new TextEncoder().encode(pem)), 401, 'token_bad_signature');
    await refusedAtVerify(
      await signed(rendererClaims(), 'RS256', createPrivateKey((await actorKeyPems('alice')).privatePem)),
      401,
      'token_bad_signature',
    );
    const [header, payload, signature] = (await rendererToken(aliceToken)).split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as JWTPayload;
    await refusedAtVerify(`${header}.${b64({ ...claims, sub: 'bob' })}.${signature}`, 401, 'token_bad_signature');
  });

  it('refuses expired, not-yet-valid and foreign-issuer tokens, and a token made for another L1 (403)', async () => {
    await refusedAtVerify(await signed(rendererClaims({ exp: now() - 5 })), 401, 'token_expired');
    await refusedAtVerify(await signed(rendererClaims({ nbf: now() + 600 })), 401, 'token_not_yet_valid');
    await refusedAtVerify(await signed(rendererClaims({ iss: 'https://evil.example' })), 401, 'token_wrong_issuer');
    const other = await verify(await signed(rendererClaims({ aud: 'https://other-l1.example' })));
    expect(other.status).toBe(403);
    expect(other.body.error.code).toBe('token_for_another_l1');
  });

  it('refuses a token issued before the user logged out (revoked)', async () => {
    const session = await registerAndLogin(server.url, 'rita');
    const token = await rendererToken(session);
    expect((await verify(token)).status).toBe(200);
    expect((await api.post('/auth/logout', { token: session })).status).toBe(200);
    await refusedAtVerify(token, 401, 'token_revoked');
  });
});

describe('revocation and deleted accounts', () => {
  it('refuses a logged-out token as Bearer and as cookie, and on another api process', async () => {
    const token = await registerAndLogin(server.url, 'logan');
    const other = await startTestServer({ role: 'api', database: server.database, env: { L1_SERVERS: L1 } });
    try {
      await expectAccepted(token, 'logan');
      expect((await client(other.url).get('/auth/me', { token })).status).toBe(200);
      // The other process hears of the revocation through LISTEN/NOTIFY; wait for that, not for a clock.
      const otherCache = other.runtime.services.sessionCache;
      let unwatch: () => void = () => undefined;
      const heard = new Promise<void>((resolve) => (unwatch = otherCache.watch((event) => event.type === 'revoked' && resolve())));
      expect((await api.post('/auth/logout', { token })).status).toBe(200);
      await expectRefused(token, 'token_revoked');
      if (otherCache.isLive()) await heard;
      unwatch();
      const elsewhere = await client(other.url).get('/auth/me', { token });
      expect(elsewhere.status).toBe(401);
      expect(elsewhere.body.error.code).toBe('token_revoked');
    } finally {
      await other.stop();
    }
  });

  it('refuses the browser cookie after logging out through the form', async () => {
    await registerAndLogin(server.url, 'carla');
    const browser = await browserLogin(server.url, 'carla');
    const stolen = browser.jar.get('artdag_session')!;
    expect((await cookie(stolen)).status).toBe(200);
    expect((await browser.submit('/logout', {})).status).toBe(302);
    await expectRefused(stolen, 'token_revoked');
  });

  it("refuses a deleted account's session and renderer tokens", async () => {
    const token = await registerAndLogin(server.url, 'gone');
    const renderer = await rendererToken(token);
    await expectAccepted(token, 'gone');
    await deleteUser('gone');
    await expectRefused(token, 'token_unknown_user');
    const res = await verify(renderer);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('token_unknown_user');
  });

  it('does not let tokens of a deleted account work for a new account that takes the same name', async () => {
    await registerAndLogin(server.url, 'reborn', 'first owner password');
    // Tokens the first owner was given ten minutes ago (signed with the real secret, so genuine in every way).
    const tenMinutesAgo = now() - 600;
    const oldSession = await signed(sessionClaims({ sub: 'reborn', iat: tenMinutesAgo }));
    const oldRenderer = await signed(
      sessionClaims({ sub: 'reborn', token_use: 'renderer', aud: L1, iat: tenMinutesAgo, iat_ms: tenMinutesAgo * 1000 + 1 }),
    );
    await deleteUser('reborn');
    const newOwner = await registerAndLogin(server.url, 'reborn', 'second owner password');
    await expectAccepted(newOwner, 'reborn');
    await expectRefused(oldSession, 'token_unknown_user');
    const res = await verify(oldRenderer);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('token_unknown_user');
    // The new owner's own renderer token is fine.
    expect((await verify(await rendererToken(newOwner))).status).toBe(200);
  });
});

describe('device-flow tokens', () => {
  async function deviceToken(username: string): Promise<{ token: string; deviceCode: string; userCode: string }> {
    const codes = (await api.post('/auth/device/code', { json: { client_id: 'artdag-cli' } })).body as {
      device_code: string;
      user_code: string;
    };
    const browser = await browserLogin(server.url, username);
    expect((await browser.submit('/device', { user_code: codes.user_code, action: 'approve' })).status).toBe(200);
    const res = await api.post('/auth/device/token', {
      json: { grant_type: GRANT, device_code: codes.device_code, client_id: 'artdag-cli' },
    });
    expect(res.status, res.text).toBe(200);
    return { token: res.body.access_token as string, deviceCode: codes.device_code, userCode: codes.user_code };
  }

  const poll = (deviceCode: string, clientId = 'artdag-cli') =>
    api.post('/auth/device/token', { json: { grant_type: GRANT, device_code: deviceCode, client_id: clientId } });

  it('yields an ordinary session token: bound to the approver, and revoked by logout', async () => {
    await registerAndLogin(server.url, 'devi');
    const { token } = await deviceToken('devi');
    await expectAccepted(token, 'devi');
    expect((await api.post('/auth/logout', { token })).status).toBe(200);
    await expectRefused(token, 'token_revoked');
  });

  it('refuses a device_code replayed, guessed from the user code, or sent by another client', async () => {
    await registerAndLogin(server.url, 'dora');
    const { deviceCode, userCode } = await deviceToken('dora');
    await server.database.db('device_codes').where({ user_code: userCode }).update({ last_polled_at: null });
    expect((await poll(deviceCode)).body.error).toBe('invalid_grant');
    for (const guess of [userCode, userCode.replace('-', ''), `${deviceCode}x`, deviceCode.slice(0, -1), '']) {
      const res = await poll(guess);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/^(invalid_grant|invalid_request)$/);
      expect(res.body).not.toHaveProperty('access_token');
    }
    const codes = (await api.post('/auth/device/code', { json: { client_id: 'artdag-cli' } })).body as { device_code: string };
    expect((await poll(codes.device_code, 'someone-else')).body.error).toBe('invalid_grant');
  });

  it('hands out nothing once the approving account is deleted, and its earlier token stops working', async () => {
    await registerAndLogin(server.url, 'dena');
    const earlier = (await deviceToken('dena')).token;
    const codes = (await api.post('/auth/device/code', { json: { client_id: 'artdag-cli' } })).body as {
      device_code: string;
      user_code: string;
    };
    const browser = await browserLogin(server.url, 'dena');
    expect((await browser.submit('/device', { user_code: codes.user_code, action: 'approve' })).status).toBe(200);
    await deleteUser('dena');
    const res: Reply = await poll(codes.device_code);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/^(invalid_grant|expired_token)$/);
    await expectRefused(earlier, 'token_unknown_user');
  });
});
