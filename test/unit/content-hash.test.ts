import { describe, expect, it } from 'vitest';
import { contentHashOf, parseContentHash } from '../../src/domain/content-hash.js';

const hex = 'ab'.repeat(32);

describe('parseContentHash', () => {
  it.each([
    [hex, hex],
    [hex.toUpperCase(), hex],
    [`sha3-256:${hex}`, hex],
    [`SHA3-256:${hex}`, hex],
    [`  ${hex}  `, hex],
  ])('accepts %s', (input, expected) => {
    expect(parseContentHash(input)).toBe(expected);
  });

  it.each([
    '',
    'ab',
    hex + 'a',
    `sha256:${hex}`,
    `sha3-256:${hex.slice(1)}`,
    'g'.repeat(64),
    'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
    42,
    null,
  ])('refuses %j', (input) => {
    expect(parseContentHash(input)).toBeNull();
  });

  it('hashes with SHA3-256', () => {
    // Known answer: SHA3-256 of the empty string.
    expect(contentHashOf('')).toBe('a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a');
  });
});
