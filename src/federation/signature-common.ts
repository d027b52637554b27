// What both signature schemes share: header lookup, the time window, and checking bytes against a key.
import { constants, verify, type KeyObject } from 'node:crypto';
import type { IncomingRequest, SignatureFailure } from './http-signatures.js';

export type Scheme = 'cavage' | 'rfc9421';

/** A signature that parsed and passed every check that needs no key; what is left is the cryptography. */
export interface SignatureCandidate {
  scheme: Scheme;
  keyId: string;
  /** As the sender declared it, lower-cased; undefined lets the key type decide. */
  algorithm: string | undefined;
  /** The bytes the sender may have signed, the exact reading first; any one verifying is enough. */
  signed: Buffer[];
  signature: Buffer;
}

export interface Rejection {
  ok: false;
  failure: SignatureFailure;
  message: string;
  keyId?: string;
  scheme?: Scheme;
}

export type Preparation = { ok: true; candidate: SignatureCandidate } | Rejection;

export function reject(scheme: Scheme | undefined, failure: SignatureFailure, message: string, keyId?: string): Rejection {
  const rejection: Rejection = { ok: false, failure, message };
  if (keyId !== undefined) rejection.keyId = keyId;
  if (scheme !== undefined) rejection.scheme = scheme;
  return rejection;
}

/** A header's value with repeated fields joined by ", " and each one trimmed, as both specs ask. */
export function headerValue(req: IncomingRequest, name: string): string | undefined {
  // Own properties only: the sender picks the names, and "constructor" is not a header.
  const value = Object.hasOwn(req.headers, name) ? req.headers[name] : undefined;
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.map((v) => v.trim()).join(', ') : value.trim();
}

export interface Clock {
  now: Date;
  maxSkewSeconds: number;
}

/** Why a timestamp (ms since epoch) is unacceptable, or null when it is within the allowed skew either way. */
export function outsideWindow(what: string, at: number, clock: Clock): string | null {
  const drift = Math.round((at - clock.now.getTime()) / 1000);
  if (drift > clock.maxSkewSeconds) {
    return `${what} is ${drift} s in the future (allowed clock skew ${clock.maxSkewSeconds} s); check the sender's clock`;
  }
  if (-drift > clock.maxSkewSeconds) {
    return `${what} is ${-drift} s old (allowed ${clock.maxSkewSeconds} s); sign each request when sending it`;
  }
  return null;
}

/** Why the Date header is unacceptable, or null. */
export function checkDateHeader(value: string, clock: Clock): string | null {
  const at = Date.parse(value);
  if (Number.isNaN(at)) return `Date header ${JSON.stringify(value.slice(0, 64))} is not an HTTP date`;
  return outsideWindow('Date header', at, clock);
}

/** Why `expires` (seconds since epoch) has passed, or null. */
export function checkExpires(expires: number | undefined, clock: Clock): string | null {
  if (expires === undefined || expires * 1000 >= clock.now.getTime()) return null;
  return `signature expired ${Math.round(clock.now.getTime() / 1000 - expires)} s ago; sign each request when sending it`;
}

interface VerifyMethod {
  name: string;
  hash: string | null;
  pss?: boolean;
}

const RSA_SHA256: VerifyMethod = { name: 'rsa-sha256', hash: 'sha256' };
const RSA_V1_5_SHA256: VerifyMethod = { name: 'rsa-v1_5-sha256', hash: 'sha256' };
const RSA_PSS_SHA512: VerifyMethod = { name: 'rsa-pss-sha512', hash: 'sha512', pss: true };
const ED25519: VerifyMethod = { name: 'ed25519', hash: null };

/** The algorithm names each scheme accepts; anything else is refused before a key is fetched. */
export const SUPPORTED_ALGORITHMS: Record<Scheme, readonly string[]> = {
  cavage: ['rsa-sha256', 'hs2019'],
  rfc9421: ['rsa-v1_5-sha256', 'rsa-pss-sha512', 'ed25519'],
};

function methodFor(candidate: SignatureCandidate, keyType: string | undefined): VerifyMethod | null {
  const rsa = keyType === 'rsa';
  const ed = keyType === 'ed25519';
  if (candidate.scheme === 'cavage') {
    // hs2019 defers to the key, like an absent algorithm; for RSA that means PKCS#1 v1.5 with SHA-256, as Mastodon signs.
    if (candidate.algorithm === 'rsa-sha256') return rsa ? RSA_SHA256 : null;
    if (rsa) return { ...RSA_SHA256, name: candidate.algorithm ?? RSA_SHA256.name };
    return ed ? { ...ED25519, name: candidate.algorithm ?? ED25519.name } : null;
  }
  switch (candidate.algorithm) {
    case undefined:
      return rsa ? RSA_V1_5_SHA256 : keyType === 'rsa-pss' ? RSA_PSS_SHA512 : ed ? ED25519 : null;
    case 'rsa-v1_5-sha256':
      return rsa ? RSA_V1_5_SHA256 : null;
    case 'rsa-pss-sha512':
      return rsa || keyType === 'rsa-pss' ? RSA_PSS_SHA512 : null;
    case 'ed25519':
      return ed ? ED25519 : null;
    default:
      return null;
  }
}

export type CryptoOutcome = { ok: true; algorithm: string } | { ok: false; reason: string };

export function verifyCandidate(candidate: SignatureCandidate, key: KeyObject): CryptoOutcome {
  const keyType = key.asymmetricKeyType;
  const method = methodFor(candidate, keyType);
  if (!method) {
    const what = candidate.algorithm === undefined ? 'HTTP signatures' : `${candidate.algorithm} signatures`;
    return { ok: false, reason: `key ${candidate.keyId} (${keyType ?? 'symmetric'}) cannot check ${what}` };
  }
  const keyInput = method.pss ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 } : key;
  const valid = candidate.signed.some((signed) => {
    try {
      return verify(method.hash, signed, keyInput, candidate.signature);
    } catch {
      // OpenSSL throws instead of answering false when the key's own parameters forbid the digest (an RSA-PSS key bound to SHA-256).
      return false;
    }
  });
  return valid
    ? { ok: true, algorithm: method.name }
    : { ok: false, reason: `signature does not verify with key ${candidate.keyId} (${method.name})` };
}
