// Remembers tokens whose signature and claims already verified, until they expire: a verified JWT string
// always verifies the same way, so repeat requests skip the HMAC. Revocation is still checked every time.

export class VerifiedTokenCache<Claims extends { expiresAt: Date }> {
  private readonly entries = new Map<string, Claims>();

  constructor(private readonly capacity = 10_000) {}

  get(token: string, now = Date.now()): Claims | undefined {
    const claims = this.entries.get(token);
    if (!claims) return undefined;
    if (claims.expiresAt.getTime() <= now) {
      this.entries.delete(token);
      return undefined;
    }
    return claims;
  }

  set(token: string, claims: Claims): void {
    if (this.entries.size >= this.capacity) {
      // Map iteration order is insertion order: drop the oldest entry.
      this.entries.delete(this.entries.keys().next().value!);
    }
    this.entries.set(token, claims);
  }
}
