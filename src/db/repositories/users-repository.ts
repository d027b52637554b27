// SQL for the users table.
import type { Db } from '../knex.js';
import { preparedQuery } from '../prepared.js';

export interface UserRow {
  id: number;
  username: string;
  email: string | null;
  password_hash: string;
  display_name: string | null;
  summary: string | null;
  is_operator: boolean;
  locked: boolean;
  created_at: Date;
  updated_at: Date;
}

/** A user as the directory and profile pages show them, with what they count. */
export interface UserSummaryRow {
  id: number;
  username: string;
  display_name: string | null;
  summary: string | null;
  created_at: Date;
  asset_count: number;
  follower_count: number;
}

export interface NewUser {
  username: string;
  email: string | null;
  passwordHash: string;
  isOperator: boolean;
}

export class UsersRepository {
  constructor(private readonly db: Db) {}

  /** Inserts the user, or returns null when the username is taken (no exception, no partial row). */
  async create(user: NewUser): Promise<UserRow | null> {
    const rows = await this.db('users')
      .insert({
        username: user.username,
        email: user.email,
        password_hash: user.passwordHash,
        is_operator: user.isOperator,
      })
      .onConflict('username')
      .ignore()
      .returning('*');
    return (rows[0] as UserRow | undefined) ?? null;
  }

  async findById(id: number): Promise<UserRow | null> {
    return ((await this.db('users').where({ id }).first()) as UserRow | undefined) ?? null;
  }

  async findByUsername(username: string): Promise<UserRow | null> {
    return ((await this.db('users').where({ username }).first()) as UserRow | undefined) ?? null;
  }

  /** The user behind a session and whether that session's token was revoked, in one round trip (hot path). */
  async findSessionUser(username: string, jti: string): Promise<{ user: UserRow; revoked: boolean } | null> {
    const rows = await preparedQuery<UserRow & { revoked: boolean }>(
      this.db,
      'users.find_session_user',
      `SELECT u.*, EXISTS (SELECT 1 FROM revoked_tokens r WHERE r.jti = $1) AS revoked
         FROM users u WHERE u.username = $2`,
      [jti, username],
    );
    const row = rows[0];
    if (!row) return null;
    const { revoked, ...user } = row;
    return { user, revoked };
  }

  async updatePasswordHash(id: number, passwordHash: string): Promise<void> {
    await this.db('users').where({ id }).update({ password_hash: passwordHash, updated_at: this.db.fn.now() });
  }

  /** Local users, newest first, with their asset and follower counts (one query per page). */
  async directory(limit: number, beforeId?: number): Promise<UserSummaryRow[]> {
    const query = this.db('users as u')
      .select(
        'u.id',
        'u.username',
        'u.display_name',
        'u.summary',
        'u.created_at',
        this.db.raw('(SELECT count(*)::int FROM assets a WHERE a.owner_id = u.id) AS asset_count'),
        this.db.raw(`(SELECT count(*)::int FROM followers f WHERE f.user_id = u.id AND f.state = 'accepted') AS follower_count`),
      )
      .orderBy('u.id', 'desc')
      .limit(limit);
    if (beforeId !== undefined) query.where('u.id', '<', beforeId);
    return (await query) as UserSummaryRow[];
  }

  /** One user's directory entry (the profile page's counts). */
  async summary(id: number): Promise<UserSummaryRow | null> {
    const rows = await this.directory(1, id + 1);
    return rows[0]?.id === id ? rows[0] : null;
  }

  async count(): Promise<number> {
    const row = (await this.db('users').count<{ count: string }[]>('* as count'))[0];
    return Number(row?.count ?? 0);
  }
}
