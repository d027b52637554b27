import { describe, expect, it } from 'vitest';
import type { UserRow } from '../../src/db/repositories/users-repository.js';
import { SessionCache } from '../../src/services/session-cache.js';

const user = (username: string): UserRow => ({
  id: 1,
  username,
  email: null,
  password_hash: 'x',
  display_name: null,
  summary: null,
  is_operator: false,
  locked: false,
  created_at: new Date(0),
  updated_at: new Date(0),
});

describe('SessionCache', () => {
  it('is not trusted until reset, and not after invalidate', () => {
    const cache = new SessionCache();
    expect(cache.isLive()).toBe(false);
    cache.reset([]);
    expect(cache.isLive()).toBe(true);
    cache.invalidate();
    expect(cache.isLive()).toBe(false);
  });

  it('learns revocations from notifications and from reset', () => {
    const cache = new SessionCache();
    cache.reset([{ jti: 'a', expiresAt: Date.now() + 1000 }]);
    cache.apply(JSON.stringify({ revoked: 'b', expires: Date.now() + 1000 }));
    expect(cache.isRevoked('a')).toBe(true);
    expect(cache.isRevoked('b')).toBe(true);
    expect(cache.isRevoked('c')).toBe(false);
  });

  it('ignores malformed notifications', () => {
    const cache = new SessionCache();
    cache.reset([]);
    cache.apply('not json');
    expect(cache.isLive()).toBe(true);
  });

  it('does not remember a user fetched before that user changed', () => {
    const cache = new SessionCache();
    cache.reset([]);
    const ticket = cache.ticket();
    cache.apply(JSON.stringify({ user: 'alice' }));
    cache.remember(user('alice'), ticket);
    expect(cache.user('alice')).toBeUndefined();
    const fresh = cache.ticket();
    cache.remember(user('alice'), fresh);
    expect(cache.user('alice')?.username).toBe('alice');
  });

  it('forgets a cached user when notified of a change', () => {
    const cache = new SessionCache();
    cache.reset([]);
    cache.remember(user('bob'), cache.ticket());
    cache.apply(JSON.stringify({ user: 'bob' }));
    expect(cache.user('bob')).toBeUndefined();
  });

  it('remembers nothing while dark', () => {
    const cache = new SessionCache();
    cache.remember(user('carol'), cache.ticket());
    expect(cache.user('carol')).toBeUndefined();
  });

  it('prunes revocations of expired tokens', () => {
    const cache = new SessionCache();
    cache.reset([
      { jti: 'old', expiresAt: 1000 },
      { jti: 'new', expiresAt: 5000 },
    ]);
    cache.prune(2000);
    expect(cache.isRevoked('old')).toBe(false);
    expect(cache.isRevoked('new')).toBe(true);
  });
});
