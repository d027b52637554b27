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

  async count(): Promise<number> {
    const row = (await this.db('users').count<{ count: string }[]>('* as count'))[0];
    return Number(row?.count ?? 0);
  }
}
