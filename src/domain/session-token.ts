// Session JWTs (HS256 via jose): what they claim, how they are checked, and why a token is refused.
import { randomUUID, webcrypto } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';

export const SESSION_TOKEN_USE = 'session';

export interface SessionClaims {
  username: string;
  jti: string;
  issuedAt: Date;
  expiresAt: Date;
}

export interface TokenSettings {
  /** The HS256 key; build it once with sessionKey() (jose would import a raw secret on every call). */
  secret: webcrypto.CryptoKey;
  issuer: string;
  ttlSeconds: number;
}

export async function sessionKey(secret: string): Promise<webcrypto.CryptoKey> {
  return await webcrypto.subtle.importKey('raw', Buffer.from(secret, 'utf8'), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}

export type TokenRejection = 'malformed' | 'bad_signature' | 'expired' | 'not_yet_valid' | 'wrong_kind' | 'wrong_issuer';

export class TokenRejected extends Error {
  constructor(
    readonly reason: TokenRejection,
    message: string,
  ) {
    super(message);
  }
}

export async function issueSessionToken(
  settings: TokenSettings,
  username: string,
  now = new Date(),
): Promise<{ token: string; claims: SessionClaims }> {
  const jti = randomUUID();
  const iat = Math.floor(now.getTime() / 1000);
  const exp = iat + settings.ttlSeconds;
  const token = await new SignJWT({ token_use: SESSION_TOKEN_USE })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(username)
    .setJti(jti)
    .setIssuer(settings.issuer)
    .setAudience(settings.issuer)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(settings.secret);
  return { token, claims: { username, jti, issuedAt: new Date(iat * 1000), expiresAt: new Date(exp * 1000) } };
}

export async function verifySessionToken(settings: TokenSettings, token: string): Promise<SessionClaims> {
  let payload;
  try {
    ({ payload } = await jwtVerify(token, settings.secret, {
      algorithms: ['HS256'],
      issuer: settings.issuer,
      audience: settings.issuer,
      requiredClaims: ['sub', 'jti', 'exp', 'iat'],
    }));
  } catch (err) {
    // A genuine token of ours, just not a session one (its audience is an L1): say that, not "wrong issuer".
    if (
      err instanceof joseErrors.JWTClaimValidationFailed &&
      err.payload.iss === settings.issuer &&
      err.payload.token_use !== SESSION_TOKEN_USE
    ) {
      throw wrongKind();
    }
    throw describeJoseError(err);
  }
  if (payload.token_use !== SESSION_TOKEN_USE) {
    throw wrongKind();
  }
  return {
    username: payload.sub!,
    jti: payload.jti!,
    issuedAt: new Date(payload.iat! * 1000),
    expiresAt: new Date(payload.exp! * 1000),
  };
}

function wrongKind(): TokenRejected {
  return new TokenRejected(
    'wrong_kind',
    'This token is not a session token (a token made for an L1 cannot be used here); use the token from POST /auth/login.',
  );
}

function describeJoseError(err: unknown): TokenRejected {
  if (err instanceof joseErrors.JWTExpired) return new TokenRejected('expired', 'Token has expired; log in again.');
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    // A missing iat is a malformed token, not an early one.
    if ((err.claim === 'nbf' || err.claim === 'iat') && err.reason === 'check_failed')
      return new TokenRejected('not_yet_valid', 'Token is not valid yet.');
    if (err.claim === 'iss' || err.claim === 'aud') return new TokenRejected('wrong_issuer', 'Token was not issued by this server.');
    return new TokenRejected('malformed', `Token claim "${err.claim}" is invalid: ${err.reason}.`);
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) {
    return new TokenRejected('bad_signature', 'Token signature is invalid.');
  }
  if (err instanceof joseErrors.JOSEAlgNotAllowed) {
    return new TokenRejected('bad_signature', 'Token algorithm is not allowed; only HS256 tokens from this server are accepted.');
  }
  return new TokenRejected('malformed', 'Token is malformed: expected a JWT issued by this server.');
}

/** Slack for the api's clock running behind the database's (an account's created_at is database time). */
const ACCOUNT_CLOCK_SLACK_MS = 60_000;

/**
 * Tokens name the account by username, and a freed name can be taken again: a token issued (clearly) before
 * the account it names existed was given to a previous owner of the name.
 */
export function issuedBeforeAccount(issuedAt: Date, accountCreatedAt: Date): boolean {
  return issuedAt.getTime() < accountCreatedAt.getTime() - ACCOUNT_CLOCK_SLACK_MS;
}

export const L1_TOKEN_USE = 'l1';

/** A short-lived token L2 presents to one L1 on a user's behalf (audience = that L1's origin). */
export async function issueL1Token(settings: TokenSettings, username: string, l1Origin: string, ttlSeconds = 300): Promise<string> {
  return await new SignJWT({ token_use: L1_TOKEN_USE, l2_server: settings.issuer, iat_ms: Date.now() })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(username)
    .setJti(randomUUID())
    .setIssuer(settings.issuer)
    .setAudience(l1Origin)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(settings.secret);
}

export const RENDERER_TOKEN_USE = 'renderer';

export interface RendererClaims {
  username: string;
  jti: string;
  audience: string;
  issuedAt: Date;
  expiresAt: Date;
  kind: string;
}

/** A token a user hands to one L1 (attach): audience = that L1's origin, short-lived. */
export async function issueRendererToken(
  settings: TokenSettings,
  username: string,
  l1Origin: string,
  ttlSeconds: number,
): Promise<{ token: string; claims: RendererClaims }> {
  const jti = randomUUID();
  const now = Date.now();
  const iat = Math.floor(now / 1000);
  // iat has whole seconds; iat_ms lets a detach and a re-attach within one second tell the tokens apart.
  const token = await new SignJWT({ token_use: RENDERER_TOKEN_USE, l2_server: settings.issuer, iat_ms: now })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(username)
    .setJti(jti)
    .setIssuer(settings.issuer)
    .setAudience(l1Origin)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlSeconds)
    .sign(settings.secret);
  return {
    token,
    claims: {
      username,
      jti,
      audience: l1Origin,
      issuedAt: new Date(now),
      expiresAt: new Date((iat + ttlSeconds) * 1000),
      kind: RENDERER_TOKEN_USE,
    },
  };
}

/**
 * Checks a token an L1 presents: one of ours, meant for some L1 (renderer or l1 kind). The audience is
 * returned rather than checked here, so the caller can tell "wrong L1" (403) from "bad token" (401).
 */
export async function verifyL1BoundToken(settings: TokenSettings, token: string): Promise<RendererClaims> {
  let payload;
  try {
    ({ payload } = await jwtVerify(token, settings.secret, {
      algorithms: ['HS256'],
      issuer: settings.issuer,
      requiredClaims: ['sub', 'jti', 'exp', 'iat', 'aud'],
    }));
  } catch (err) {
    throw describeJoseError(err);
  }
  if (payload.token_use !== RENDERER_TOKEN_USE && payload.token_use !== L1_TOKEN_USE) {
    throw new TokenRejected('wrong_kind', 'This is not a token for an L1 (a session token cannot be used here).');
  }
  const audience = Array.isArray(payload.aud) ? payload.aud[0] : payload.aud;
  return {
    username: payload.sub!,
    jti: payload.jti!,
    audience: audience!,
    issuedAt: new Date(preciseIssuedAt(payload.iat!, payload.iat_ms)),
    expiresAt: new Date(payload.exp! * 1000),
    kind: payload.token_use as string,
  };
}

/** iat_ms when it agrees with iat (same second), else iat itself: a forged-looking claim can only move it within that second. */
function preciseIssuedAt(iat: number, iatMs: unknown): number {
  return typeof iatMs === 'number' && Math.floor(iatMs / 1000) === iat ? iatMs : iat * 1000;
}
