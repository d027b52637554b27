import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionCache, SessionCacheEvent } from '../../src/services/session-cache.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { client, registerAndLogin } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

// Two API processes' worth of runtime on one database, as in a scaled-out deployment.
let database: TestDatabase;
let a: TestServer;
let b: TestServer;

beforeAll(async () => {
  database = await createTestDatabase();
  a = await startTestServer({ database });
  b = await startTestServer({ database, role: 'api' });
});
afterAll(async () => {
  await a.stop();
  await b.stop();
  await database.drop();
});

function next(cache: SessionCache, match: (e: SessionCacheEvent) => boolean): Promise<SessionCacheEvent> {
  return new Promise((resolve) => {
    const stop = cache.watch((event) => {
      if (match(event)) {
        stop();
        resolve(event);
      }
    });
  });
}

async function jtiOf(token: string): Promise<string> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).jti as string;
}

describe('sessions across processes', () => {
  it('a logout on one process is refused on the other', async () => {
    const token = await registerAndLogin(a.url, 'twoproc');
    const jti = await jtiOf(token);
    expect((await client(b.url).get('/auth/me', { token })).status).toBe(200);
    const seen = next(b.runtime.services.sessionCache, (e) => e.type === 'revoked' && e.jti === jti);
    expect((await client(a.url).post('/auth/logout', { token })).status).toBe(200);
    await seen;
    const me = await client(b.url).get('/auth/me', { token });
    expect(me.status).toBe(401);
    expect(me.body.error.code).toBe('token_revoked');
  });

  it('a revocation written with plain SQL reaches every process', async () => {
    const token = (await client(a.url).post('/auth/login', { json: { username: 'twoproc', password: 'a good password' } })).body
      .access_token;
    const jti = await jtiOf(token);
    const seenA = next(a.runtime.services.sessionCache, (e) => e.type === 'revoked' && e.jti === jti);
    const seenB = next(b.runtime.services.sessionCache, (e) => e.type === 'revoked' && e.jti === jti);
    await database.db('revoked_tokens').insert({ jti, expires_at: new Date(Date.now() + 3600_000) });
    await Promise.all([seenA, seenB]);
    for (const server of [a, b]) expect((await client(server.url).get('/auth/me', { token })).status).toBe(401);
  });

  it('a deleted account is refused everywhere, even though its user row was cached', async () => {
    const token = await registerAndLogin(a.url, 'deleted_later');
    expect((await client(b.url).get('/auth/me', { token })).status).toBe(200);
    const seen = next(b.runtime.services.sessionCache, (e) => e.type === 'user' && e.username === 'deleted_later');
    await database.db('users').where({ username: 'deleted_later' }).delete();
    await seen;
    const me = await client(b.url).get('/auth/me', { token });
    expect(me.status).toBe(401);
    expect(me.body.error.code).toBe('token_unknown_user');
  });

  it('falls back to the database while the listener is down, and catches up when it returns', async () => {
    const token = (await client(a.url).post('/auth/login', { json: { username: 'twoproc', password: 'a good password' } })).body
      .access_token;
    const jti = await jtiOf(token);
    const cache = b.runtime.services.sessionCache;
    const dark = next(cache, (e) => e.type === 'dark');
    const live = next(cache, (e) => e.type === 'live');
    await database.db.raw(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ? AND application_name = 'artdag-l2 listener'`,
      [database.name],
    );
    await dark;
    await database.db('revoked_tokens').insert({ jti, expires_at: new Date(Date.now() + 3600_000) });
    // The listener reconnects after 250 ms; until then answers come from the database.
    expect(cache.isLive()).toBe(false);
    expect((await client(b.url).get('/auth/me', { token })).status).toBe(401);
    await live;
    expect(cache.isRevoked(jti)).toBe(true);
    expect((await client(b.url).get('/auth/me', { token })).status).toBe(401);
  });
});
