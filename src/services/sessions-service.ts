// Session tokens: issuing at login, resolving a presented token to a user, and revoking at logout.
import { Unauthorized } from '../domain/errors.js';
import {
  issuedBeforeAccount,
  issueL1Token,
  issueSessionToken,
  TokenRejected,
  verifySessionToken,
  type SessionClaims,
  type TokenSettings,
} from '../domain/session-token.js';
import { VerifiedTokenCache } from '../domain/verified-token-cache.js';
import { SessionCache } from './session-cache.js';
import type { RevokedTokensRepository } from '../db/repositories/revoked-tokens-repository.js';
import type { UserRow, UsersRepository } from '../db/repositories/users-repository.js';

export interface Session {
  user: UserRow;
  claims: SessionClaims;
}

export class SessionsService {
  private readonly verified = new VerifiedTokenCache<SessionClaims>();

  constructor(
    private readonly settings: TokenSettings,
    private readonly users: UsersRepository,
    private readonly revoked: RevokedTokensRepository,
    private readonly cache: SessionCache = new SessionCache(),
  ) {}

  issue(username: string): Promise<{ token: string; claims: SessionClaims }> {
    return issueSessionToken(this.settings, username);
  }

  /** A token for calling one L1 as this user; minted where it is used so it never sits in workflow history. */
  issueForL1(username: string, l1Origin: string): Promise<string> {
    return issueL1Token(this.settings, username, l1Origin);
  }

  /** Resolves a token to its live session, or throws Unauthorized naming why it was refused. */
  async resolve(token: string): Promise<Session> {
    let claims = this.verified.get(token);
    if (!claims) {
      try {
        claims = await verifySessionToken(this.settings, token);
      } catch (err) {
        if (err instanceof TokenRejected) throw new Unauthorized(err.message, `token_${err.reason}`);
        throw err;
      }
      this.verified.set(token, claims);
    }
    const user = this.cache.isLive() ? await this.cachedUser(claims) : await this.storedUser(claims);
    // Tokens name the account by username, and a freed name can be taken again: a token older than the
    // account was given to its previous owner.
    if (issuedBeforeAccount(claims.issuedAt, user.created_at)) throw unknownUserError();
    return { user, claims };
  }

  private async cachedUser(claims: SessionClaims): Promise<UserRow> {
    if (this.cache.isRevoked(claims.jti)) throw revokedError();
    const cached = this.cache.user(claims.username);
    if (cached) return cached;
    const ticket = this.cache.ticket();
    const user = await this.users.findByUsername(claims.username);
    if (!user) throw unknownUserError();
    this.cache.remember(user, ticket);
    return user;
  }

  private async storedUser(claims: SessionClaims): Promise<UserRow> {
    const found = await this.users.findSessionUser(claims.username, claims.jti);
    if (!found) throw unknownUserError();
    if (found.revoked) throw revokedError();
    return found.user;
  }

  async revoke(session: Session): Promise<void> {
    await this.revoked.revoke(session.claims.jti, session.user.id, session.claims.expiresAt);
    // Other processes learn of it from the trigger's notification; this one knows now.
    this.cache.markRevoked({ jti: session.claims.jti, expiresAt: session.claims.expiresAt.getTime() });
  }
}

function unknownUserError(): Unauthorized {
  return new Unauthorized('The account for this token no longer exists.', 'token_unknown_user');
}

function revokedError(): Unauthorized {
  return new Unauthorized('Token has been revoked (logged out); log in again.', 'token_revoked');
}
