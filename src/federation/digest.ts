// Body digests: the draft-cavage `Digest` header (RFC 3230) and RFC 9530 `Content-Digest`, made and checked.
import { createHash, timingSafeEqual } from 'node:crypto';
import { StructuredFieldError, isInnerList, parseDictionary } from './structured-fields.js';

/** A Map, not an object literal: names come from the sender, and "constructor" must not look like an algorithm. */
const ALGORITHMS = new Map([
  ['sha-256', { hash: 'sha256', label: 'SHA-256' }],
  ['sha-512', { hash: 'sha512', label: 'SHA-512' }],
]);

/** Methods whose requests carry a body even when it is empty, so a digest is always expected. */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

export const expectsBody = (method: string, body: Buffer | string | undefined): boolean =>
  BODY_METHODS.has(method.toUpperCase()) || (body !== undefined && body.length > 0);

export const digestHeader = (body: Buffer): string => `SHA-256=${createHash('sha256').update(body).digest('base64')}`;

export type DigestCheck = { ok: true } | { ok: false; failure: 'digest_mismatch' | 'unsupported_algorithm'; message: string };

/** Every supported algorithm listed must match the body; unknown ones are ignored, but at least one must be known. */
function checkAll(header: string, entries: Array<[string, Buffer | null]>, body: Buffer): DigestCheck {
  const known = entries.filter(([name]) => ALGORITHMS.has(name));
  if (known.length === 0) {
    const names = entries.map(([name]) => name).join(', ') || 'none';
    return {
      ok: false,
      failure: 'unsupported_algorithm',
      message: `${header} header names no supported algorithm (${names}); send SHA-256 or SHA-512`,
    };
  }
  for (const [name, expected] of known) {
    const { hash, label } = ALGORITHMS.get(name) as { hash: string; label: string };
    const actual = createHash(hash).update(body).digest();
    if (expected === null || expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
      return { ok: false, failure: 'digest_mismatch', message: `${header} header does not match the body (${label})` };
    }
  }
  return { ok: true };
}

/** `Digest: SHA-256=<base64>[, SHA-512=<base64>]`; algorithm names are case-insensitive. */
export function checkDigest(header: string, body: Buffer): DigestCheck {
  const entries = header.split(',').map((part): [string, Buffer | null] => {
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    const value = eq < 0 ? '' : part.slice(eq + 1).trim();
    return [name, /^[A-Za-z0-9+/]+={0,2}$/.test(value) ? Buffer.from(value, 'base64') : null];
  });
  return checkAll('Digest', entries, body);
}

/** `Content-Digest: sha-256=:<base64>:`, an RFC 8941 dictionary of byte sequences. */
export function checkContentDigest(header: string, body: Buffer): DigestCheck {
  let dictionary;
  try {
    dictionary = parseDictionary(header);
  } catch (error) {
    if (!(error instanceof StructuredFieldError)) throw error;
    return { ok: false, failure: 'digest_mismatch', message: `Content-Digest header is not a structured dictionary: ${error.message}` };
  }
  const entries = [...dictionary].map(([name, member]): [string, Buffer | null] => [
    name,
    !isInnerList(member) && member.value.kind === 'bytes' ? member.value.value : null,
  ]);
  return checkAll('Content-Digest', entries, body);
}
