// Request schemas for the asset endpoints.
import { z } from 'zod';
import { ASSET_NAME_FORMAT, ASSET_NAME_PATTERN, ASSET_TYPES, MAX_TAGS, normaliseTags } from '../../../domain/asset-rules.js';
import { CONTENT_HASH_FORMAT, parseContentHash } from '../../../domain/content-hash.js';
import { limitParam } from '../../pagination.js';

export const assetName = z
  .string({ error: 'is required (a string)' })
  .regex(ASSET_NAME_PATTERN, { error: `must be ${ASSET_NAME_FORMAT}` })
  .meta({ id: 'AssetName', description: `The asset's unique name: ${ASSET_NAME_FORMAT}.`, examples: ['sunset-render.mp4'] });

export const contentHash = z
  .string({ error: 'is required (a string)' })
  .transform((value, ctx) => {
    const parsed = parseContentHash(value);
    if (!parsed) {
      ctx.addIssue({ code: 'custom', message: `must be ${CONTENT_HASH_FORMAT}` });
      return z.NEVER;
    }
    return parsed;
  })
  .meta({
    id: 'ContentHash',
    description: `SHA3-256 of the content: ${CONTENT_HASH_FORMAT} (any case; stored bare and lower-case).`,
    pattern: '^\\s*([sS][hH][aA]3-256:)?[0-9a-fA-F]{64}\\s*$',
    examples: ['7c2b9e0f4d1a8b3c6e5f7a9d0b2c4e6f8a1b3d5c7e9f0a2b4c6d8e0f1a3b5c7d'],
  });

export const assetType = z.enum(ASSET_TYPES, { error: `must be one of ${ASSET_TYPES.join(', ')}` }).meta({ id: 'AssetType' });

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
  })
  .meta({
    id: 'Tags',
    description: `Up to ${MAX_TAGS} tags of letters, digits, "_" and "-" (a leading "#" is dropped, case is folded): an array, or one comma-separated string.`,
  });

export const description = z.string({ error: 'must be a string' }).max(5000, { error: 'must be at most 5000 characters' }).nullable();

export const ipfsCid = z
  .string({ error: 'must be a string' })
  .regex(/^(Qm[1-9A-HJ-NP-Za-km-z]{44}|b[a-z2-7]{20,100})$/, { error: 'must be an IPFS CID (CIDv0 "Qm..." or CIDv1 base32 "b...")' })
  .nullable();

export const registerAssetBody = z
  .object(
    {
      name: assetName,
      content_hash: contentHash,
      asset_type: assetType,
      tags: tags.optional(),
      description: description.optional(),
      ipfs_cid: ipfsCid.optional(),
    },
    { error: 'must be an object with name, content_hash and asset_type' },
  )
  .meta({ id: 'RegisterAssetBody' });

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
  })
  .meta({ id: 'PatchAssetBody', description: 'The fields to change (at least one); name, content_hash and owner never change.' });

/** Name substring or exact tag: lower-cased (names and tags are), a leading '#' dropped; blank means no search. */
export const searchParam = z
  .string({ error: 'must be one piece of text' })
  .max(100, { error: 'must be at most 100 characters' })
  .transform((s) => s.trim().replace(/^#/, '').normalize('NFC').toLowerCase() || undefined)
  .optional();

export const listAssetsQuery = z.object({
  limit: limitParam,
  cursor: z.string({ error: 'must be one cursor' }).optional(),
  after: z
    .string({ error: 'must be one cursor' })
    .optional()
    .describe('The page before this cursor (newer assets), as the "previous" links of the page use.'),
  q: searchParam.describe('Search: part of a name, or a whole tag (case-insensitive, a leading "#" is dropped).'),
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
export const uploadFields = z
  .object(
    {
      name: assetName,
      asset_type: assetType,
      tags: tags.optional(),
      description: description.optional(),
    },
    { error: 'must hold name and asset_type' },
  )
  .meta({ id: 'AssetUploadFields' });

// Response shapes (documentation: the OpenAPI document shows them, and its tests check real answers against them).

export const provenanceResponse = z
  .object({
    inputs: z.array(z.string()).describe('Content hashes of the inputs the L1 run read.'),
    recipe: z.string().nullable().describe('Content hash of the recipe.'),
    recipe_cid: z.string().nullable(),
    l1_server: z.string().describe('The L1 server that rendered it.'),
    run_id: z.string().nullable(),
    output: z.object({ content_hash: z.string(), ipfs_cid: z.string().nullable() }),
  })
  .meta({ id: 'Provenance', description: 'How an L1 run made this asset: inputs → recipe → output.' });

export const assetResponse = z
  .object({
    name: z.string(),
    content_hash: z.string().describe('Bare lower-case SHA3-256 hex.'),
    asset_type: z.string(),
    owner: z.string().describe('The owner as a fediverse handle, @name@domain.'),
    owner_username: z.string(),
    description: z.string().nullable(),
    tags: z.array(z.string()),
    provenance: provenanceResponse.nullable(),
    ipfs_cid: z.string().nullable(),
    size_bytes: z.number().int().nullable(),
    media_type: z.string().nullable(),
    created_at: z.string().describe('ISO 8601.'),
    updated_at: z.string(),
    activity_id: z.string().nullable().describe('The Create activity that announced it, once federated.'),
    object_id: z.string().describe('Its ActivityStreams object URL: /objects/{content_hash}.'),
    url: z.string().describe('Its page.'),
  })
  .meta({ id: 'Asset' });

export const assetPageResponse = z
  .object({
    items: z.array(assetResponse),
    next_cursor: z.string().nullable().describe('Pass as cursor for the next (older) page; null on the last page.'),
  })
  .meta({ id: 'AssetPage' });
