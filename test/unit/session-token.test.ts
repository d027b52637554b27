import { generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { issueSessionToken, sessionKey, TokenRejected, verifySessionToken, type TokenSettings } from '../../src/domain/session-token.js';

const settings: TokenSettings = {
  secret: await sessionKey('a-secret-that-is-at-least-32-bytes-long!!'),
  issuer: 'https://l2.test',
  ttlSeconds: 3600,
};

async function rejection(token: string): Promise<TokenRejected> {
  try {
    await verifySessionToken(settings, token);
  } catch (err) {
    if (err instanceof TokenRejected) return err;
    throw err;
  }
  throw new Error('token was accepted');
}

function claims(now = Math.floor(Date.now() / 1000)) {
  return new SignJWT({ token_use: 'session' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('alice')
    .setJti('j-1')
    .setIssuer(settings.issuer)
    .setAudience(settings.issuer)
    .setIssuedAt(now)
    .setExpirationTime(now + 60);
}

describe('session tokens', () => {
  it('round-trips the username, id and expiry', async () => {
    const { token, claims: issued } = await issueSessionToken(settings, 'alice');
    const verified = await verifySessionToken(settings, token);
    expect(verified.username).toBe('alice');
    expect(verified.jti).toBe(issued.jti);
    expect(verified.expiresAt.getTime() - verified.issuedAt.getTime()).toBe(3600_000);
  });

  it('refuses an expired token', async () => {
    const { token } = await issueSessionToken(settings, 'alice', new Date(Date.now() - 7200_000));
    expect((await rejection(token)).reason).toBe('expired');
  });

  it('refuses a token signed with another secret', async () => {
    const token = await claims().sign(new TextEncoder().encode('another-secret-that-is-32-bytes-long!!!'));
    expect((await rejection(token)).reason).toBe('bad_signature');
  });

  it('refuses alg none', async () => {
    const token = new UnsecuredJWT({ token_use: 'session', sub: 'alice', jti: 'x' })
      .setIssuer(settings.issuer)
      .setAudience(settings.issuer)
      .setIssuedAt()
      .setExpirationTime('1h')
      .encode();
    expect((await rejection(token)).reason).toBe('bad_signature');
  });

  it('refuses an RS256 token even when it is otherwise well formed', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const token = await new SignJWT({ token_use: 'session' })
      .setProtectedHeader({ alg: 'RS256' })
      .setSubject('alice')
      .setJti('j')
      .setIssuer(settings.issuer)
      .setAudience(settings.issuer)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);
    expect((await rejection(token)).reason).toBe('bad_signature');
  });

  it('refuses a tampered payload', async () => {
    const { token } = await issueSessionToken(settings, 'alice');
    const [h, p, s] = token.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    payload.sub = 'mallory';
    const forged = [h, Buffer.from(JSON.stringify(payload)).toString('base64url'), s].join('.');
    expect((await rejection(forged)).reason).toBe('bad_signature');
  });

  it('refuses a token of another kind', async () => {
    const token = await new SignJWT({ token_use: 'renderer' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setJti('j')
      .setIssuer(settings.issuer)
      .setAudience(settings.issuer)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(settings.secret);
    expect((await rejection(token)).reason).toBe('wrong_kind');
  });

  it('refuses a token from another issuer', async () => {
    const token = await claims().setIssuer('https://elsewhere.test').sign(settings.secret);
    expect((await rejection(token)).reason).toBe('wrong_issuer');
  });

  it('refuses garbage', async () => {
    expect((await rejection('not-a-jwt')).reason).toBe('malformed');
    expect((await rejection('a.b.c')).reason).toBe('malformed');
  });
});
