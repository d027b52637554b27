// SQL for L1 trust: attached renderers, opaque grants, and notifications owed to L1s.
import type { Db } from '../knex.js';

export interface RendererRow {
  id: number;
  user_id: number;
  l1_server: string;
  attached_at: Date;
  last_verified_at: Date | null;
  detached_at: Date | null;
  tokens_valid_after: Date | null;
}

export interface GrantRow {
  id: number;
  user_id: number;
  token_hash: string;
  audience: string;
  scope: string;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

export interface NotificationRow {
  id: number;
  user_id: number;
  l1_server: string;
  kind: 'revoke' | 'revoke-user';
  reference: string;
  status: 'pending' | 'done' | 'failed';
  attempts: number;
  last_error: string | null;
  created_at: Date;
  done_at: Date | null;
}

export interface FailingNotificationRow extends NotificationRow {
  username: string;
}

export interface VerifyState {
  user_id: number;
  username: string;
  attached: boolean;
  last_verified_at: Date | null;
  detached_at: Date | null;
  tokens_valid_after: Date | null;
  /** Tokens older than the account were given to an earlier owner of the username. */
  user_created_at: Date;
}

export class RenderersRepository {
  constructor(private readonly db: Db) {}

  async forUser(userId: number): Promise<RendererRow[]> {
    return (await this.db('user_renderers').where({ user_id: userId }).orderBy('attached_at')) as RendererRow[];
  }

  async find(userId: number, l1: string): Promise<RendererRow | null> {
    return ((await this.db('user_renderers').where({ user_id: userId, l1_server: l1 }).first()) as RendererRow | undefined) ?? null;
  }

  /** What a verify needs in one round trip: the user (by name) and their record for this L1, if any. */
  async verifyState(username: string, l1: string): Promise<VerifyState | null> {
    const row = (await this.db('users as u')
      .leftJoin('user_renderers as r', (j) => j.on('r.user_id', 'u.id').andOnVal('r.l1_server', l1))
      .where('u.username', username)
      .first(
        'u.id as user_id',
        'u.username',
        'u.created_at as user_created_at',
        'r.last_verified_at',
        'r.detached_at',
        'r.tokens_valid_after',
        'u.l1_tokens_valid_after',
        'r.id as renderer_id',
      )) as (Omit<VerifyState, 'attached'> & { renderer_id: number | null; l1_tokens_valid_after: Date | null }) | undefined;
    if (!row) return null;
    const { renderer_id, l1_tokens_valid_after, ...rest } = row;
    const cutoffs = [rest.tokens_valid_after, l1_tokens_valid_after].filter((d): d is Date => d !== null);
    return {
      ...rest,
      attached: renderer_id !== null && rest.detached_at === null,
      tokens_valid_after: cutoffs.length ? new Date(Math.max(...cutoffs.map((d) => d.getTime()))) : null,
    };
  }

  /** Records a successful verify: attaches the L1 (again, after a detach) and notes when. */
  async verified(userId: number, l1: string): Promise<void> {
    await this.db('user_renderers')
      .insert({ user_id: userId, l1_server: l1, last_verified_at: this.db.fn.now() })
      .onConflict(['user_id', 'l1_server'])
      .merge({ last_verified_at: this.db.fn.now(), detached_at: null });
  }

  /** Detaches: tokens issued so far stop working; returns false when it was not attached. */
  async detach(userId: number, l1: string): Promise<boolean> {
    const updated = await this.db('user_renderers')
      .where({ user_id: userId, l1_server: l1 })
      .whereNull('detached_at')
      .update({ detached_at: this.db.fn.now(), tokens_valid_after: new Date() });
    return updated > 0;
  }

  /** A logout ends every renderer token of the user. */
  async cutOffAll(userId: number): Promise<void> {
    await this.db('users').where({ id: userId }).update({ l1_tokens_valid_after: new Date() });
  }

  async createGrant(grant: Pick<GrantRow, 'user_id' | 'token_hash' | 'audience' | 'scope' | 'expires_at'>): Promise<GrantRow> {
    const [row] = await this.db('grants').insert(grant).returning('*');
    return row as GrantRow;
  }

  async grantByHash(tokenHash: string): Promise<GrantRow | null> {
    return ((await this.db('grants').where({ token_hash: tokenHash }).first()) as GrantRow | undefined) ?? null;
  }

  async touchGrant(id: number): Promise<void> {
    await this.db('grants').where({ id }).update({ last_used_at: this.db.fn.now() });
  }

  async grantsFor(userId: number): Promise<GrantRow[]> {
    return (await this.db('grants').where({ user_id: userId }).orderBy('id', 'desc').limit(200)) as GrantRow[];
  }

  /** Revokes one of the user's grants; false when there is no such live grant of theirs. */
  async revokeGrant(userId: number, id: number): Promise<boolean> {
    return (await this.db('grants').where({ id, user_id: userId }).whereNull('revoked_at').update({ revoked_at: this.db.fn.now() })) > 0;
  }

  async revokeGrants(userId: number, audience?: string): Promise<number> {
    const query = this.db('grants').where({ user_id: userId }).whereNull('revoked_at');
    if (audience) query.where({ audience });
    return await query.update({ revoked_at: this.db.fn.now() });
  }

  async addNotifications(rows: Pick<NotificationRow, 'user_id' | 'l1_server' | 'kind' | 'reference'>[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db('l1_notifications').insert(rows).onConflict(['kind', 'reference', 'l1_server']).ignore();
  }

  async notification(kind: string, reference: string, l1: string): Promise<NotificationRow | null> {
    return ((await this.db('l1_notifications').where({ kind, reference, l1_server: l1 }).first()) as NotificationRow | undefined) ?? null;
  }

  async recordNotification(id: number, status: NotificationRow['status'], error: string | null): Promise<void> {
    await this.db('l1_notifications')
      .where({ id })
      .update({ status, last_error: error, attempts: this.db.raw('attempts + 1'), done_at: status === 'done' ? this.db.fn.now() : null });
  }

  /** Notifications that gave up, or are failing and still retried, newest first (for the operator). */
  async failingNotifications(limit: number): Promise<FailingNotificationRow[]> {
    return (await this.db('l1_notifications as n')
      .join('users as u', 'u.id', 'n.user_id')
      .where('n.status', 'failed')
      .orWhere((q) => q.where('n.status', 'pending').whereNotNull('n.last_error'))
      .orderBy('n.id', 'desc')
      .limit(limit)
      .select('n.*', 'u.username')) as FailingNotificationRow[];
  }

  async notificationsFor(userId: number, limit = 50): Promise<NotificationRow[]> {
    return (await this.db('l1_notifications').where({ user_id: userId }).orderBy('id', 'desc').limit(limit)) as NotificationRow[];
  }
}
