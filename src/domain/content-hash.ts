// Content hashes: SHA3-256 as bare lowercase 64-hex; input may carry a `sha3-256:` prefix.
import { createHash, type Hash } from 'node:crypto';

const BARE = /^[0-9a-f]{64}$/;

export const CONTENT_HASH_FORMAT = '64 hex characters of SHA3-256, optionally prefixed with "sha3-256:"';

/** The canonical form of a content hash, or null when the input is not one. */
export function parseContentHash(input: unknown): string | null {
  if (typeof input !== 'string') return null;
  const trimmed = input.trim();
  const bare = trimmed.toLowerCase().startsWith('sha3-256:') ? trimmed.slice(9) : trimmed;
  const lower = bare.toLowerCase();
  return BARE.test(lower) ? lower : null;
}

export function isContentHash(value: string): boolean {
  return BARE.test(value);
}

export function contentHasher(): Hash {
  return createHash('sha3-256');
}

export function contentHashOf(bytes: Buffer | string): string {
  return createHash('sha3-256').update(bytes).digest('hex');
}
