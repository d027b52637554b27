import { describe, expect, it } from 'vitest';
import { normaliseUserCode, USER_CODE_ALPHABET } from '../../src/services/device-auth-service.js';

describe('user codes', () => {
  it('has no vowels and no look-alike characters', () => {
    expect(USER_CODE_ALPHABET).toHaveLength(20);
    expect(USER_CODE_ALPHABET).not.toMatch(/[AEIOUY01]/);
  });

  it('normalises what people type', () => {
    expect(normaliseUserCode('bcdf-ghjk')).toBe('BCDF-GHJK');
    expect(normaliseUserCode(' BCDF GHJK ')).toBe('BCDF-GHJK');
    expect(normaliseUserCode('bcdfghjk')).toBe('BCDF-GHJK');
  });

  it('refuses what cannot be a code', () => {
    for (const input of ['', 'BCDF-GHJ', 'BCDF-GHJKL', 'BCDF-GHJA', 'BCD0-GHJK', 'BCDF_GHJK', '<script>']) {
      expect(normaliseUserCode(input), input).toBeNull();
    }
  });
});
