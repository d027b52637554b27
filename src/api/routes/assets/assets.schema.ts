// Request schemas for the asset endpoints.
import { z } from 'zod';
import { ASSET_NAME_FORMAT, ASSET_NAME_PATTERN, ASSET_TYPES, MAX_TAGS, normaliseTags } from '../../../domain/asset-rules.js';
import { CONTENT_HASH_FORMAT, parseContentHash } from '../../../domain/content-hash.js';
import { limitParam } from '../../pagination.js';

export const assetName = z.string({ error: 'is required (a string)' }).regex(ASSET_NAME_PATTERN, { error: `must be ${ASSET_NAME_FORMAT}` });

export const contentHash = z.string({ error: 'is required (a string)' }).transform((value, ctx) => {
  const parsed = parseContentHash(value);
  if (!parsed) {
    ctx.addIssue({ code: 'custom', message: `must be ${CONTENT_HASH_FORMAT}` });
    return z.NEVER;
  }
  return parsed;
});

export const assetType = z.enum(ASSET_TYPES, { error: `must be one of ${ASSET_TYPES.join(', ')}` });

/** Tags as an array, or a comma-separated string (forms); normalised, at most MAX_TAGS. */
export const tags = z
  .union([z.array(z.string({ error: 'must be strings' })), z.string().transform((s) => (s.trim() === '' ? [] : s.split(',')))], {
    error: 'must be an array of strings',
  })
  .transform((value, ctx) => {
    const { tags: normalised, invalid } = normaliseTags(value);
    if (invalid.length) {
      ctx.addIssue({
        code: 'custom',
        message: `invalid tag(s) ${invalid.map((t) => JSON.stringify(t)).join(', ')}: use letters, digits, _ and -`,
      });
    }
    if (normalised.length > MAX_TAGS) ctx.addIssue({ code: 'custom', message: `at most ${MAX_TAGS} tags` });
    return normalised;
  });

export const description = z.string({ error: 'must be a string' }).max(5000, { error: 'must be at most 5000 characters' }).nullable();

export const ipfsCid = z
  .string({ error: 'must be a string' })
  .regex(/^(Qm[1-9A-HJ-NP-Za-km-z]{44}|b[a-z2-7]{20,100})$/, { error: 'must be an IPFS CID (CIDv0 "Qm..." or CIDv1 base32 "b...")' })
  .nullable();

export const registerAssetBody = z.object(
  {
    name: assetName,
    content_hash: contentHash,
    asset_type: assetType,
    tags: tags.optional(),
    description: description.optional(),
    ipfs_cid: ipfsCid.optional(),
  },
  { error: 'must be an object with name, content_hash and asset_type' },
);

export const patchAssetBody = z
  .object(
    {
      description: description.optional(),
      tags: tags.optional(),
      asset_type: assetType.optional(),
      name: z.never({ error: 'cannot be changed' }).optional(),
      content_hash: z.never({ error: 'cannot be changed: a content hash is registered once' }).optional(),
      owner: z.never({ error: 'cannot be changed' }).optional(),
    },
    { error: 'must be an object with description, tags or asset_type' },
  )
  .refine((b) => b.description !== undefined || b.tags !== undefined || b.asset_type !== undefined, {
    error: 'nothing to change: send description, tags or asset_type',
  });

export const listAssetsQuery = z.object({
  limit: limitParam,
  cursor: z.string().optional(),
  owner: z
    .string()
    .transform((s) => s.replace(/^@/, '').split('@')[0]!)
    .optional(),
  asset_type: assetType.optional(),
  tag: z
    .string()
    .transform((s) => s.trim().replace(/^#/, '').toLowerCase())
    .optional(),
});

/** The fields of a multipart upload: like a registration, but the server computes the hash. */
export const uploadFields = z.object(
  {
    name: assetName,
    asset_type: assetType,
    tags: tags.optional(),
    description: description.optional(),
  },
  { error: 'must hold name and asset_type' },
);
