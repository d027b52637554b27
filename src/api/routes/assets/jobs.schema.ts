// Request schemas for the long asset jobs (record an L1 run, publish an L1 cache item).
import { z } from 'zod';
import { assetName, assetType, contentHash, description, tags } from './assets.schema.js';

const l1Server = z
  .string({ error: 'is required (the L1 server URL)' })
  .url({ error: 'must be an http(s) URL' })
  .refine((v) => /^https?:\/\//i.test(v), { error: 'must be an http(s) URL' })
  .transform((v) => new URL(v).origin);

/** Seconds to wait for the result before answering 202 with a status URL. */
const wait = z.coerce.number({ error: 'must be a number of seconds' }).min(0).max(60, { error: 'must be at most 60 seconds' }).default(20);

export const recordRunBody = z.object(
  {
    run_id: z
      .string({ error: 'is required (a string)' })
      .regex(/^[A-Za-z0-9._:-]{1,200}$/, { error: 'must be 1-200 characters of A-Z, a-z, 0-9, ".", "_", ":" and "-"' }),
    l1_server: l1Server,
    output_name: assetName,
    asset_type: assetType.optional(),
    tags: tags.optional(),
    description: description.optional(),
    wait: wait.optional(),
  },
  { error: 'must be an object with run_id, l1_server and output_name' },
);

export const publishCacheBody = z.object(
  {
    content_hash: contentHash,
    l1_server: l1Server,
    name: assetName,
    asset_type: assetType.optional(),
    tags: tags.optional(),
    description: description.optional(),
    wait: wait.optional(),
  },
  { error: 'must be an object with content_hash, l1_server and name' },
);

export const waitQuery = z.object({ wait: wait.optional() });
