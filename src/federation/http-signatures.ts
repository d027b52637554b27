// HTTP Signatures for ActivityPub: sign outgoing requests (draft-cavage) and verify incoming ones (RFC 9421 or draft-cavage).
import type { KeyObject } from 'node:crypto';
import { describeCavage, prepareCavage, signCavage } from './signature-cavage.js';
import { headerValue, verifyCandidate, type Preparation, type SignatureCandidate } from './signature-common.js';
import { describeRfc9421, prepareRfc9421 } from './signature-rfc9421.js';

export interface OutgoingRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

export interface IncomingRequest {
  method: string;
  /** path plus query exactly as received, e.g. "/users/alice/inbox?x=1" */
  target: string;
  /** The full URL the request was addressed to, as the server sees itself publicly; RFC 9421 takes scheme and authority from it. */
  url: string;
  /** Lower-case names, as Node gives them. */
  headers: Record<string, string | string[] | undefined>;
  body?: Buffer;
}

export type SignatureFailure =
  | 'missing_signature'
  | 'malformed_signature'
  | 'unsupported_algorithm'
  | 'missing_covered_header'
  | 'insufficient_coverage'
  | 'date_out_of_window'
  | 'digest_mismatch'
  | 'missing_digest'
  | 'unknown_key'
  | 'bad_signature';

export interface VerifyOptions {
  /** Returns the public key for a keyId; `refresh: true` asks the caller to refetch it (called at most once, after a first failure). null when unknown. */
  getKey(keyId: string, refresh: boolean): Promise<KeyObject | null>;
  now?: Date;
  /** Allowed clock skew for Date / created, default 3600 s (Fedify uses ±1 h). */
  maxSkewSeconds?: number;
}

export type VerifyResult =
  | { ok: true; keyId: string; scheme: 'cavage' | 'rfc9421'; algorithm: string }
  | { ok: false; failure: SignatureFailure; message: string; keyId?: string; scheme?: 'cavage' | 'rfc9421' };

/**
 * Signs with draft-cavage-http-signatures-12, algorithm="rsa-sha256", covering (request-target) host date, plus digest and
 * content-type for requests with a body, or accept for those without. Returns every header to send.
 */
export function signRequest(
  req: OutgoingRequest,
  key: { keyId: string; privateKey: KeyObject },
  now: Date = new Date(),
): Record<string, string> {
  return signCavage(req, key, now);
}

/**
 * RFC 9421 when Signature-Input is present (Fedify also sends `Signature: sig1=:…:` then), draft-cavage otherwise.
 * Hostile input yields a failure, never an exception; errors thrown by getKey propagate.
 */
const MAX_LABELS = 3;

export async function verifyRequest(req: IncomingRequest, options: VerifyOptions): Promise<VerifyResult> {
  const clock = { now: options.now ?? new Date(), maxSkewSeconds: options.maxSkewSeconds ?? 3600 };
  // Each label may cost a key fetch: a hostile sender gets at most MAX_LABELS tries.
  const preparations: Preparation[] = (
    headerValue(req, 'signature-input') !== undefined ? prepareRfc9421(req, clock) : [prepareCavage(req, clock)]
  ).slice(0, MAX_LABELS);
  let first: VerifyResult | undefined;
  for (const preparation of preparations) {
    const result = preparation.ok ? await verifyWithKey(preparation.candidate, options) : preparation;
    if (result.ok) return result;
    first ??= result;
  }
  return first as VerifyResult;
}

/** Checks with the known key, and once more with a refetched one, because actors rotate keys. */
async function verifyWithKey(candidate: SignatureCandidate, options: VerifyOptions): Promise<VerifyResult> {
  const { keyId, scheme } = candidate;
  const key = await options.getKey(keyId, false);
  if (!key) return { ok: false, failure: 'unknown_key', message: `no public key is known for keyId ${keyId}`, keyId, scheme };
  let outcome = verifyCandidate(candidate, key);
  if (!outcome.ok) {
    const fresh = await options.getKey(keyId, true);
    if (fresh) outcome = verifyCandidate(candidate, fresh);
  }
  if (outcome.ok) return { ok: true, keyId, scheme, algorithm: outcome.algorithm };
  return { ok: false, failure: 'bad_signature', message: `${outcome.reason}, also after refetching the key`, keyId, scheme };
}

/** Parses only (no crypto), for logging and tests; algorithm is empty when the sender named none. */
export function describeSignature(
  req: IncomingRequest,
): { scheme: 'cavage' | 'rfc9421'; keyId: string; algorithm: string; covered: string[] } | null {
  return headerValue(req, 'signature-input') !== undefined ? describeRfc9421(req) : describeCavage(req);
}
