// Request schemas for the long asset jobs (record an L1 run, publish an L1 cache item).
import { z } from 'zod';
import { assetName, assetType, assetResponse, contentHash, description, tags } from './assets.schema.js';

const l1Server = z
  .string({ error: 'is required (the L1 server URL)' })
  .url({ error: 'must be an http(s) URL' })
  .refine((v) => /^https?:\/\//i.test(v), { error: 'must be an http(s) URL' })
  .transform((v) => new URL(v).origin)
  .describe('The L1 server, by URL (its origin is used); it must be one this L2 trusts (L1_SERVERS).');

/**
 * Seconds to wait for the result before answering 202 with a status URL. No zod default: it would fill in a body
 * without `wait` and override `?wait=`; the route applies the default of 20 when neither is given.
 */
const wait = z.coerce
  .number({ error: 'must be a number of seconds' })
  .min(0)
  .max(60, { error: 'must be at most 60 seconds' })
  .describe('Seconds to wait for the asset before answering 202 with a status URL (0-60, default 20).');

export const recordRunBody = z
  .object(
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
  )
  .meta({ id: 'RecordRunBody' });

export const publishCacheBody = z
  .object(
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
  )
  .meta({ id: 'PublishCacheBody' });

export const waitQuery = z.object({ wait: wait.optional() });

/** Finding the asset a run produced: on one L1, or on any when left out. */
export const runLookupQuery = z.object({ l1_server: l1Server.optional() });

// Response shapes (documentation, checked against real answers by the OpenAPI tests).

export const jobStartedResponse = z
  .object({
    status: z.literal('running'),
    job_id: z.string(),
    status_url: z.string().describe('Poll it (GET) for progress and the result; also in the Location header.'),
  })
  .meta({ id: 'JobStarted' });

export const jobStatusResponse = z
  .object({
    job_id: z.string(),
    kind: z.enum(['record-run', 'publish-cache']),
    status: z.enum(['running', 'retrying', 'completed', 'failed', 'cancelled']),
    step: z.string().nullable().describe('The step the job is at, while it runs.'),
    attempt: z.number().int().nullable(),
    last_error: z.string().nullable(),
    started_at: z.string().nullable(),
    closed_at: z.string().nullable(),
    result: assetResponse.optional().describe('The asset, once completed.'),
    error: z.object({ status: z.number().int(), code: z.string(), message: z.string() }).optional().describe('Why it failed.'),
    status_url: z.string(),
  })
  .meta({ id: 'JobStatus' });
