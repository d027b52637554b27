// L1 renderers trust L2 for identity: scoped tokens (JWTs or opaque grants) bound to one L1, verification for
// L1s, attachment records, detach, and the notifications L1s must receive (revoke, federated logout).
import { createHash, randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { actorUrl, type Instance } from '../domain/activity-streams.js';
import { AppError, Forbidden, NotFound, Unauthorized } from '../domain/errors.js';
import {
  issuedBeforeAccount,
  issueRendererToken,
  TokenRejected,
  verifyL1BoundToken,
  type RendererClaims,
  type TokenSettings,
} from '../domain/session-token.js';
import { VerifiedTokenCache } from '../domain/verified-token-cache.js';
import type { RenderersRepository, VerifyState } from '../db/repositories/renderers-repository.js';
import type { UserRow, UsersRepository } from '../db/repositories/users-repository.js';

const RENDERER_TOKEN_TTL = 3600;
const GRANT_TTL_DAYS = 90;
const OPAQUE = /^agr_[A-Za-z0-9_-]{43}$/;
/** How stale "last verified" may get before a verify writes it again. */
const VERIFY_RECORD_INTERVAL_MS = 60_000;

interface Subject {
  username: string;
  expiresAt: Date;
  kind: 'jwt' | 'grant';
}

export interface Verification {
  valid: true;
  username: string;
  actor_id: string;
  l2_server: string;
  expires_at: string;
  token_kind: 'jwt' | 'grant';
}

function originOf(l1: string): string {
  let url: URL;
  try {
    url = new URL(l1);
  } catch {
    throw new AppError(400, 'invalid_l1', `"${l1}" is not a URL; pass the L1 server's URL.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new AppError(400, 'invalid_l1', `"${l1}" is not an http(s) URL.`);
  return url.origin;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export class RenderersService {
  private readonly verifiedJwts = new VerifiedTokenCache<RendererClaims>();

  constructor(
    private readonly settings: TokenSettings,
    private readonly renderers: RenderersRepository,
    private readonly users: UsersRepository,
    private readonly allowlist: string[],
    private readonly instance: Instance,
    private readonly temporal: Client,
    private readonly taskQueue: string,
    private readonly logger: Logger,
  ) {}

  /** The allowlisted origin of an L1 URL, or 403 naming it. */
  trusted(l1: string): string {
    const origin = originOf(l1);
    if (!this.allowlist.includes(origin))
      throw new Forbidden(`L1 server ${origin} is not trusted by this L2 (it is not in L1_SERVERS).`, 'l1_not_allowed');
    return origin;
  }

  /** Where to send the browser to attach an L1: its /auth with a token made for it alone. */
  async attachUrl(user: UserRow, l1: string): Promise<string> {
    const origin = this.trusted(l1);
    const { token } = await issueRendererToken(this.settings, user.username, origin, RENDERER_TOKEN_TTL);
    return `${origin}/auth?auth_token=${encodeURIComponent(token)}`;
  }

  /** A long-lived opaque token for one L1; only its hash is stored, so it is shown once. */
  async createGrant(user: UserRow, l1: string): Promise<{ token: string; l1_server: string; expires_at: string }> {
    const origin = this.trusted(l1);
    const token = `agr_${randomBytes(32).toString('base64url')}`;
    const expires = new Date(Date.now() + GRANT_TTL_DAYS * 86_400_000);
    await this.renderers.createGrant({
      user_id: user.id,
      token_hash: sha256(token),
      audience: origin,
      scope: 'renderer',
      expires_at: expires,
    });
    return { token, l1_server: origin, expires_at: expires.toISOString() };
  }

  /** What /auth/verify answers an L1 that presents a token; records the attachment on success. */
  async verify(token: string, l1: string): Promise<Verification> {
    const origin = this.trusted(l1);
    const subject = OPAQUE.test(token) ? await this.verifyGrant(token, origin) : await this.verifyJwt(token, origin);
    return {
      valid: true,
      username: subject.username,
      actor_id: actorUrl(this.instance, subject.username),
      l2_server: this.instance.publicUrl,
      expires_at: subject.expiresAt.toISOString(),
      token_kind: subject.kind,
    };
  }

  private async verifyJwt(token: string, origin: string): Promise<Subject> {
    let claims = this.verifiedJwts.get(token);
    if (!claims) {
      try {
        claims = await verifyL1BoundToken(this.settings, token);
      } catch (err) {
        if (err instanceof TokenRejected) throw new Unauthorized(err.message, `token_${err.reason}`);
        throw err;
      }
      this.verifiedJwts.set(token, claims);
    }
    if (claims.audience !== origin)
      throw new Forbidden(`This token was issued for ${claims.audience}, not for ${origin}.`, 'token_for_another_l1');
    const state = await this.renderers.verifyState(claims.username, origin);
    if (!state || issuedBeforeAccount(claims.issuedAt, state.user_created_at))
      throw new Unauthorized('The account for this token no longer exists.', 'token_unknown_user');
    if (state.tokens_valid_after && claims.issuedAt.getTime() <= state.tokens_valid_after.getTime()) {
      throw new Unauthorized('This token was revoked (the L1 was detached or the user logged out).', 'token_revoked');
    }
    await this.recordVerify(state, origin);
    return { username: state.username, expiresAt: claims.expiresAt, kind: 'jwt' };
  }

  private async verifyGrant(token: string, origin: string): Promise<Subject> {
    const grant = await this.renderers.grantByHash(sha256(token));
    if (!grant) throw new Unauthorized('Unknown token.', 'token_unknown');
    if (grant.revoked_at) throw new Unauthorized('This token was revoked.', 'token_revoked');
    if (grant.expires_at.getTime() <= Date.now()) throw new Unauthorized('This token has expired.', 'token_expired');
    if (grant.audience !== origin)
      throw new Forbidden(`This token was issued for ${grant.audience}, not for ${origin}.`, 'token_for_another_l1');
    const user = await this.users.findById(grant.user_id);
    if (!user) throw new Unauthorized('The account for this token no longer exists.', 'token_unknown_user');
    if (!grant.last_used_at || Date.now() - grant.last_used_at.getTime() > VERIFY_RECORD_INTERVAL_MS)
      await this.renderers.touchGrant(grant.id);
    const state = await this.renderers.verifyState(user.username, origin);
    if (state) await this.recordVerify(state, origin);
    return { username: user.username, expiresAt: grant.expires_at, kind: 'grant' };
  }

  /** The first verify attaches the L1; later ones refresh "last verified" at most once a minute (L1s verify often). */
  private async recordVerify(state: VerifyState, origin: string): Promise<void> {
    const fresh = state.last_verified_at && Date.now() - state.last_verified_at.getTime() < VERIFY_RECORD_INTERVAL_MS;
    if (state.attached && fresh) return;
    await this.renderers.verified(state.user_id, origin);
  }

  async list(user: UserRow) {
    const [renderers, notifications, grants] = await Promise.all([
      this.renderers.forUser(user.id),
      this.renderers.notificationsFor(user.id),
      this.renderers.grantsFor(user.id),
    ]);
    return {
      trusted_l1_servers: this.allowlist,
      grants: grants.map((g) => ({
        id: g.id,
        l1_server: g.audience,
        scope: g.scope,
        created_at: g.created_at.toISOString(),
        expires_at: g.expires_at.toISOString(),
        last_used_at: g.last_used_at?.toISOString() ?? null,
        revoked_at: g.revoked_at?.toISOString() ?? null,
      })),
      renderers: renderers.map((r) => ({
        l1_server: r.l1_server,
        attached: r.detached_at === null,
        attached_at: r.attached_at.toISOString(),
        last_verified_at: r.last_verified_at?.toISOString() ?? null,
        detached_at: r.detached_at?.toISOString() ?? null,
      })),
      notifications: notifications.map((n) => ({
        l1_server: n.l1_server,
        kind: n.kind,
        status: n.status,
        attempts: n.attempts,
        last_error: n.last_error,
        created_at: n.created_at.toISOString(),
        done_at: n.done_at?.toISOString() ?? null,
      })),
    };
  }

  async revokeGrant(user: UserRow, id: number): Promise<void> {
    if (!(await this.renderers.revokeGrant(user.id, id))) throw new NotFound(`You have no live grant with id ${id}.`, 'grant_not_found');
  }

  /** Detaches an L1: its tokens stop working here at once, and the L1 is told (with retries). */
  async detach(user: UserRow, l1: string): Promise<{ l1_server: string; notified: boolean }> {
    const origin = originOf(l1);
    if (!(await this.renderers.detach(user.id, origin))) throw new NotFound(`${origin} is not attached to your account.`, 'not_attached');
    await this.renderers.revokeGrants(user.id, origin);
    // An L1 taken off the allowlist can still be detached; we just no longer talk to it.
    if (!this.allowlist.includes(origin)) return { l1_server: origin, notified: false };
    const reference = `detach:${user.username}:${origin}:${Date.now()}`;
    await this.renderers.addNotifications([{ user_id: user.id, l1_server: origin, kind: 'revoke', reference }]);
    await this.startNotifying(reference, 'revoke', reference, [origin], user.username);
    return { l1_server: origin, notified: true };
  }

  /** After a logout: every renderer token of the user ends, and every attached L1 logs the user out. */
  async federatedLogout(user: UserRow, jti: string): Promise<string[]> {
    await this.renderers.cutOffAll(user.id);
    const attached = (await this.renderers.forUser(user.id))
      .filter((r) => r.detached_at === null && this.allowlist.includes(r.l1_server))
      .map((r) => r.l1_server);
    if (attached.length === 0) return [];
    const reference = `logout:${user.username}:${jti}`;
    await this.renderers.addNotifications(
      attached.map((l1) => ({ user_id: user.id, l1_server: l1, kind: 'revoke-user' as const, reference })),
    );
    await this.startNotifying(reference, 'revoke-user', reference, attached, user.username);
    return attached;
  }

  private async startNotifying(
    workflowId: string,
    kind: 'revoke' | 'revoke-user',
    reference: string,
    l1s: string[],
    username: string,
  ): Promise<void> {
    try {
      await this.temporal.workflow.start('notifyL1sWorkflow', {
        taskQueue: this.taskQueue,
        workflowId,
        args: [{ kind, reference, l1s, username }],
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
    } catch (err) {
      // The notifications are recorded as pending; say so rather than fail the user's logout or detach.
      this.logger.warn({ err, workflowId }, 'could not start notifying L1s');
    }
  }
}
