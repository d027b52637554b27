// What a valid asset looks like: name slugs, the documented asset types, and tag normalisation.

export const ASSET_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,99}$/;
export const ASSET_NAME_FORMAT = '1-100 characters of a-z, 0-9, ".", "_" and "-", starting with a letter or digit';

export const ASSET_TYPES = ['image', 'video', 'audio', 'recipe', 'effect', 'analysis', 'document', 'other'] as const;
export type AssetType = (typeof ASSET_TYPES)[number];

export const MAX_TAGS = 20;
export const TAG_PATTERN = /^[\p{L}\p{N}_][\p{L}\p{N}_-]{0,49}$/u;

/** Lower-cases, strips a leading '#', trims, de-duplicates; returns the invalid ones separately. */
export function normaliseTags(input: readonly string[]): { tags: string[]; invalid: string[] } {
  const tags: string[] = [];
  const invalid: string[] = [];
  for (const raw of input) {
    const tag = raw.trim().replace(/^#/, '').normalize('NFC').toLowerCase();
    if (!TAG_PATTERN.test(tag)) invalid.push(raw);
    else if (!tags.includes(tag)) tags.push(tag);
  }
  return { tags, invalid };
}

/** The ActivityStreams object type an asset is announced as. */
export function objectTypeOf(assetType: AssetType): 'Image' | 'Video' | 'Audio' | 'Document' {
  switch (assetType) {
    case 'image':
      return 'Image';
    case 'video':
      return 'Video';
    case 'audio':
      return 'Audio';
    default:
      return 'Document';
  }
}

/** Name given to an L1 run input registered on the way: `input-` and the first 16 hex of its hash. */
export function inputAssetName(contentHash: string): string {
  return `input-${contentHash.slice(0, 16)}`;
}
