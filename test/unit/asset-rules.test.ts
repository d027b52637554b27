import { describe, expect, it } from 'vitest';
import { ASSET_NAME_PATTERN, inputAssetName, normaliseTags, objectTypeOf } from '../../src/domain/asset-rules.js';

describe('asset rules', () => {
  it('accepts slug names and refuses others', () => {
    for (const ok of ['a', 'sunset-2', 'v1.0_final', '9lives']) expect(ASSET_NAME_PATTERN.test(ok)).toBe(true);
    for (const bad of ['', '-a', '.hidden', 'A', 'a b', 'a/b', '../etc', 'x'.repeat(101)]) expect(ASSET_NAME_PATTERN.test(bad)).toBe(false);
  });

  it('normalises tags and reports invalid ones', () => {
    expect(normaliseTags(['Sky', '#sky', ' Night ', 'Ünïcode'])).toEqual({ tags: ['sky', 'night', 'ünïcode'], invalid: [] });
    expect(normaliseTags(['ok', 'no spaces', '', '<b>'])).toEqual({ tags: ['ok'], invalid: ['no spaces', '', '<b>'] });
  });

  it('maps asset types to ActivityStreams object types', () => {
    expect(objectTypeOf('image')).toBe('Image');
    expect(objectTypeOf('video')).toBe('Video');
    expect(objectTypeOf('audio')).toBe('Audio');
    expect(objectTypeOf('recipe')).toBe('Document');
  });

  it('names run inputs by their hash prefix', () => {
    expect(inputAssetName('0123456789abcdef'.repeat(4))).toBe('input-0123456789abcdef');
  });
});
