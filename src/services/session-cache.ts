// Per-process knowledge of revoked tokens and session users, so authenticated requests need no query.
// It is trusted only while its change listener is connected and after a full reload; otherwise callers
// fall back to the database. Triggers announce every revocation and user change (see migrations).
import type { UserRow } from '../db/repositories/users-repository.js';

export interface Revocation {
  jti: string;
  expiresAt: number;
}

export type SessionCacheEvent = { type: 'live' } | { type: 'dark' } | { type: 'revoked'; jti: string } | { type: 'user'; username: string };

export class SessionCache {
  private readonly watchers = new Set<(event: SessionCacheEvent) => void>();
  private live = false;
  private generation = 0;
  private readonly revoked = new Map<string, number>();
  private readonly users = new Map<string, UserRow>();

  constructor(private readonly maxUsers = 50_000) {}

  /** Observes changes (used by tests and metrics); returns the unsubscribe function. */
  watch(fn: (event: SessionCacheEvent) => void): () => void {
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  }

  private emit(event: SessionCacheEvent): void {
    for (const fn of this.watchers) fn(event);
  }

  /** True when answers from this cache are as current as the database's notifications. */
  isLive(): boolean {
    return this.live;
  }

  /** Replaces the revocation set after (re)subscribing; user rows are refetched lazily. */
  reset(revocations: Iterable<Revocation>): void {
    this.revoked.clear();
    for (const r of revocations) this.revoked.set(r.jti, r.expiresAt);
    this.users.clear();
    this.generation++;
    this.live = true;
    this.emit({ type: 'live' });
  }

  invalidate(): void {
    this.live = false;
    this.generation++;
    this.users.clear();
    this.emit({ type: 'dark' });
  }

  /** Applies one notification payload from the artdag_auth channel. */
  apply(payload: string): void {
    let change: { revoked?: string; expires?: number; user?: string };
    try {
      change = JSON.parse(payload) as typeof change;
    } catch {
      return;
    }
    if (change.revoked) {
      this.revoked.set(change.revoked, change.expires ?? Number.MAX_SAFE_INTEGER);
      this.emit({ type: 'revoked', jti: change.revoked });
    }
    if (change.user) {
      this.users.delete(change.user);
      // A fetch of this user that started before the change must not be remembered.
      this.generation++;
      this.emit({ type: 'user', username: change.user });
    }
  }

  markRevoked(revocation: Revocation): void {
    this.revoked.set(revocation.jti, revocation.expiresAt);
  }

  isRevoked(jti: string): boolean {
    return this.revoked.has(jti);
  }

  user(username: string): UserRow | undefined {
    return this.users.get(username);
  }

  /** Taken before fetching a user; remember() ignores the row if anything changed meanwhile. */
  ticket(): number {
    return this.generation;
  }

  remember(user: UserRow, ticket: number): void {
    if (!this.live || ticket !== this.generation) return;
    if (this.users.size >= this.maxUsers) this.users.delete(this.users.keys().next().value!);
    this.users.set(user.username, user);
  }

  /** Drops revocations of tokens that have expired anyway. */
  prune(now = Date.now()): void {
    for (const [jti, expiresAt] of this.revoked) if (expiresAt <= now) this.revoked.delete(jti);
  }
}
