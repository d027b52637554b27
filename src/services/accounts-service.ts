// Registering accounts and checking passwords; the rules live here so the API and start-up share them.
import { BadRequest, Conflict, Forbidden, Unauthorized } from '../domain/errors.js';
import { hashPassword, verifyPassword } from '../domain/password.js';
import { usernameProblem } from '../domain/username.js';
import type { UserRow, UsersRepository } from '../db/repositories/users-repository.js';
import type { KeysService } from './keys-service.js';

// Verifying against a real hash even for unknown users keeps login timing from revealing which names exist.
const DUMMY_HASH_PROMISE = hashPassword('not-a-real-password');

export interface Account {
  username: string;
  email: string | null;
  displayName: string | null;
  isOperator: boolean;
  createdAt: Date;
}

export class AccountsService {
  constructor(
    private readonly users: UsersRepository,
    private readonly keys: KeysService,
    private readonly operatorUser: string,
  ) {}

  async register(input: { username: string; password: string; email?: string | null }): Promise<UserRow> {
    const username = input.username;
    const problem = usernameProblem(username);
    if (problem === 'format') {
      throw new BadRequest('Username must be 1-30 characters of a-z, 0-9 and _.', { field: 'username' }, 'invalid_username');
    }
    if (problem === 'reserved' || username === this.operatorUser) {
      throw new Conflict(`The username "${username}" is reserved; choose another.`, { field: 'username' }, 'username_reserved');
    }
    const created = await this.users.create({
      username,
      email: input.email ?? null,
      passwordHash: await hashPassword(input.password),
      isOperator: false,
    });
    if (!created) throw new Conflict(`The username "${username}" is already taken.`, { field: 'username' }, 'username_taken');
    // Every account gets its signing key now, so its actor document is complete from the start.
    await this.keys.signingKey(created);
    return created;
  }

  /** Creates the operator account (ARTDAG_USER) once; returns it and whether it was just made. */
  async ensureOperator(password: string): Promise<{ user: UserRow; created: boolean }> {
    const existing = await this.users.findByUsername(this.operatorUser);
    if (existing) return { user: existing, created: false };
    const created = await this.users.create({
      username: this.operatorUser,
      email: null,
      passwordHash: await hashPassword(password),
      isOperator: true,
    });
    if (created) {
      await this.keys.signingKey(created);
      return { user: created, created: true };
    }
    // Another process made it between our read and write.
    return { user: (await this.users.findByUsername(this.operatorUser))!, created: false };
  }

  async changePassword(user: UserRow, currentPassword: string, newPassword: string): Promise<void> {
    if (!(await verifyPassword(currentPassword, user.password_hash))) {
      throw new Forbidden('The current password is wrong.', 'invalid_credentials');
    }
    await this.users.updatePasswordHash(user.id, await hashPassword(newPassword));
  }

  async authenticate(username: string, password: string): Promise<UserRow> {
    const user = await this.users.findByUsername(username);
    const ok = await verifyPassword(password, user?.password_hash ?? (await DUMMY_HASH_PROMISE));
    if (!user || !ok) throw new Unauthorized('Wrong username or password.', 'invalid_credentials');
    return user;
  }
}
