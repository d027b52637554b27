// Property tests for content-hash parsing: exactly 64 hex (any case), optional "sha3-256:" (any case), surrounding
// whitespace ignored, always normalised to bare lower case; everything else is null, and nothing throws.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contentHashOf, isContentHash, parseContentHash } from '../../src/domain/content-hash.js';
import { configureProperties } from './fast-check-setup.js';

configureProperties();

/** The contract, written independently: the same pattern the OpenAPI document publishes for ContentHash. */
const CONTRACT = /^\s*(?:sha3-256:)?([0-9a-f]{64})\s*$/i;
const expected = (input: unknown): string | null => (typeof input === 'string' ? (CONTRACT.exec(input)?.[1]?.toLowerCase() ?? null) : null);

const HEX = '0123456789abcdefABCDEF'.split('');
// Every character String.prototype.trim and \s remove, plus lookalikes that must not count as whitespace or hex.
const WHITESPACE = [' ', '\t', '\n', '\r', '\v', '\f', '\u00a0', '\u1680', '\u2003', '\u2028', '\u2029', '\u202f', '\u3000', '\ufeff'];
const LOOKALIKES = ['\u200b', '\u180e', '０', 'ａ', 'Ａ', '\u212a', 'İ', 'ı', 'ſ', 'g', 'G', 'x', ':', '-', '\0', '\ud800'];

const hex = (length: number) => fc.string({ unit: fc.constantFrom(...HEX), minLength: length, maxLength: length });
const padding = fc.string({ unit: fc.constantFrom(...WHITESPACE), maxLength: 3 });
const prefix = fc.oneof(
  fc.constant(''),
  fc.constantFrom('sha3-256:', 'SHA3-256:', 'Sha3-256:', 'sHa3-256:'),
  // Near misses: other algorithms, a space or doubled colon, a lookalike letter.
  fc.constantFrom('sha256:', 'sha3-256 :', 'sha3-256::', 'sha3_256:', 'ſha3-256:', 'sha3-256', ':', 'sha3-512:'),
);
const body = fc.oneof({ weight: 3, arbitrary: hex(64) }, hex(63), hex(65), hex(128), hex(0));

/** A candidate, possibly with one character replaced by a lookalike or a random code point. */
const candidate = fc
  .tuple(
    padding,
    prefix,
    body,
    padding,
    fc.option(fc.tuple(fc.nat(), fc.oneof(fc.constantFrom(...LOOKALIKES), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })))),
  )
  .map(([lead, pre, digits, trail, swap]) => {
    const text = lead + pre + digits + trail;
    if (swap === null || text.length === 0) return text;
    const at = swap[0] % text.length;
    return text.slice(0, at) + swap[1] + text.slice(at + 1);
  });

const anyInput = fc.oneof(
  { weight: 5, arbitrary: candidate },
  fc.string({ unit: 'binary', maxLength: 100 }),
  fc.anything(),
  fc.constantFrom(null, undefined, 0, NaN, [], {}, ['a'.repeat(64)], { toString: () => 'a'.repeat(64) }),
);

describe('parseContentHash', () => {
  it('agrees with the published pattern on every input, never throwing', () => {
    fc.assert(
      fc.property(anyInput, (input) => {
        expect(parseContentHash(input)).toBe(expected(input));
      }),
      { numRuns: 5000 },
    );
  });

  it('accepts every spelling of a real hash and normalises it to bare lower case', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 64 }),
        padding,
        prefix.filter((p) => /^(sha3-256:)?$/i.test(p)),
        padding,
        fc.boolean(),
        (data, lead, pre, trail, upper) => {
          const hash = contentHashOf(Buffer.from(data));
          const spelled = lead + pre + (upper ? hash.toUpperCase() : hash) + trail;
          expect(parseContentHash(spelled)).toBe(hash);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('is idempotent, and its output is exactly what isContentHash accepts', () => {
    fc.assert(
      fc.property(anyInput, (input) => {
        const once = parseContentHash(input);
        if (once === null) return;
        expect(parseContentHash(once)).toBe(once);
        expect(isContentHash(once)).toBe(true);
        expect(once).toMatch(/^[0-9a-f]{64}$/);
      }),
      { numRuns: 2000 },
    );
  });

  it('isContentHash accepts only the canonical form', () => {
    fc.assert(
      fc.property(candidate, (text) => {
        expect(isContentHash(text)).toBe(/^[0-9a-f]{64}$/.test(text));
      }),
      { numRuns: 2000 },
    );
  });
});
