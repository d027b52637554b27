// SQL for revoked_tokens: a revocation is recorded once and purged after the token would have expired anyway.
import type { Db } from '../knex.js';

export class RevokedTokensRepository {
  constructor(private readonly db: Db) {}

  async revoke(jti: string, userId: number | null, expiresAt: Date): Promise<void> {
    await this.db('revoked_tokens').insert({ jti, user_id: userId, expires_at: expiresAt }).onConflict('jti').ignore();
  }

  async isRevoked(jti: string): Promise<boolean> {
    return (await this.db('revoked_tokens').where({ jti }).first('jti')) !== undefined;
  }

  async listUnexpired(now: Date): Promise<{ jti: string; expiresAt: number }[]> {
    const rows = (await this.db('revoked_tokens').where('expires_at', '>', now).select('jti', 'expires_at')) as {
      jti: string;
      expires_at: Date;
    }[];
    return rows.map((r) => ({ jti: r.jti, expiresAt: r.expires_at.getTime() }));
  }

  async purgeExpired(now: Date): Promise<number> {
    return await this.db('revoked_tokens').where('expires_at', '<', now).delete();
  }
}
