// Session tokens: issuing at login, resolving a presented token to a user, and revoking at logout.
import { Unauthorized } from '../domain/errors.js';
import { issueSessionToken, TokenRejected, verifySessionToken, type SessionClaims, type TokenSettings } from '../domain/session-token.js';
import type { RevokedTokensRepository } from '../db/repositories/revoked-tokens-repository.js';
import type { UserRow, UsersRepository } from '../db/repositories/users-repository.js';

export interface Session {
  user: UserRow;
  claims: SessionClaims;
}

export class SessionsService {
  constructor(
    private readonly settings: TokenSettings,
    private readonly users: UsersRepository,
    private readonly revoked: RevokedTokensRepository,
  ) {}

  issue(username: string): Promise<{ token: string; claims: SessionClaims }> {
    return issueSessionToken(this.settings, username);
  }

  /** Resolves a token to its live session, or throws Unauthorized naming why it was refused. */
  async resolve(token: string): Promise<Session> {
    let claims: SessionClaims;
    try {
      claims = await verifySessionToken(this.settings, token);
    } catch (err) {
      if (err instanceof TokenRejected) throw new Unauthorized(err.message, `token_${err.reason}`);
      throw err;
    }
    const found = await this.users.findSessionUser(claims.username, claims.jti);
    if (!found) throw new Unauthorized('The account for this token no longer exists.', 'token_unknown_user');
    if (found.revoked) throw new Unauthorized('Token has been revoked (logged out); log in again.', 'token_revoked');
    return { user: found.user, claims };
  }

  async revoke(session: Session): Promise<void> {
    await this.revoked.revoke(session.claims.jti, session.user.id, session.claims.expiresAt);
  }
}
