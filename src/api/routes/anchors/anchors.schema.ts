// Request and response schemas of the anchoring endpoints.
import { z } from 'zod';
import { limitParam } from '../../pagination.js';

export const merkleRoot = z
  .string()
  .regex(/^[0-9a-f]{64}$/, { error: 'must be a merkle root: 64 lower-case hex characters' })
  .meta({ id: 'MerkleRoot', description: 'The anchor batch: its merkle root, 64 lower-case hex characters (SHA-256).' });

/** An activity by its id URL, its uuid or its sequence number (the handlers look it up by whichever it is). */
export const activityRef = z
  .string()
  .meta({ id: 'ActivityRef', description: 'An activity: its uuid, its sequence number, or its full id URL (URL-encoded).' });

export const createAnchorQuery = z.object({
  wait: z.coerce
    .number()
    .min(0)
    .max(60)
    .default(15)
    .describe('Seconds to wait for the batch to be stamped before answering 202 (0-60, default 15).'),
});

export const listAnchorsQuery = z.object({
  limit: limitParam,
  cursor: z.string().optional().describe('The next_cursor of the previous page.'),
});

export const treeQuery = z.object({
  offset: z.coerce.number().int().min(0).default(0).describe('Index of the first leaf to return.'),
  limit: z.coerce.number().int().min(1).max(1000).default(100).describe('Leaves per page (1-1000).'),
});

// Response shapes (documentation, checked against real answers by the OpenAPI tests).

const anchorStatus = z.enum(['created', 'pending', 'confirmed', 'invalid']).meta({
  id: 'AnchorStatus',
  description: 'created: batched, not stamped yet; pending: on the calendars, waiting for Bitcoin; confirmed: in a block.',
});

export const anchorResponse = z
  .object({
    merkle_root: z.string(),
    previous_root: z.string().nullable().describe("The anchor before this one: its root is this tree's first leaf."),
    leaf_count: z.number().int(),
    status: anchorStatus,
    created_at: z.string(),
    stamped_at: z.string().nullable(),
    bitcoin_block: z.number().int().nullable(),
    block_time: z.string().nullable(),
    verified_at: z.string().nullable(),
    confirmed_at: z.string().nullable(),
    calendars: z.record(z.string(), z.unknown()).describe('Per calendar URL: what it answered.'),
    last_error: z.string().nullable(),
    upgrade_attempts: z.number().int(),
    ots_url: z.string().describe("The root's OpenTimestamps proof."),
    tree_url: z.string(),
  })
  .meta({ id: 'Anchor' });

export const anchorPageResponse = z
  .object({ items: z.array(anchorResponse), next_cursor: z.string().nullable() })
  .meta({ id: 'AnchorPage' });

export const nothingToAnchorResponse = z
  .object({ anchor: z.null(), message: z.string() })
  .meta({ id: 'NothingToAnchor', description: 'Every activity is already anchored.' });

export const anchorBatchRunningResponse = z
  .object({ status: z.literal('running'), message: z.string() })
  .meta({ id: 'AnchorBatchRunning', description: 'The batch waits for enough calendars to answer; it goes on.' });

export const calendarTestsResponse = z
  .object({
    calendars: z.array(z.object({ calendar: z.string(), ok: z.boolean(), latency_ms: z.number(), error: z.string().optional() })),
  })
  .meta({ id: 'CalendarTests' });

export const anchorTreeResponse = z
  .object({
    merkle_root: z.string(),
    leaf_count: z.number().int(),
    previous_root: z.string().nullable(),
    leaves: z.array(
      z.union([
        z.object({ index: z.number().int(), previous_root: z.string() }),
        z.object({ index: z.number().int(), activity_id: z.string(), leaf_hash: z.string() }),
      ]),
    ),
  })
  .meta({ id: 'AnchorTree' });

export const activityProofResponse = z
  .object({
    activity_id: z.string(),
    merkle_root: z.string(),
    status: anchorStatus,
    bitcoin_block: z.number().int().nullable(),
    block_time: z.string().nullable(),
    verified_at: z.string().nullable(),
    leaf: z.string().describe('How the leaf is computed.'),
    proof: z.array(z.string()).describe('The merkle path from the leaf to the root, as OpenTimestamps operations.'),
    ots_url: z.string().describe('The complete .ots proof of the activity.'),
  })
  .meta({ id: 'ActivityProof' });

export const anchorUpgradeResponse = z
  .object({
    merkle_root: z.string(),
    status: anchorStatus,
    bitcoin_block: z.number().int().nullable(),
    upgraded_from: z.array(z.string()).describe('Calendars that now answered with a Bitcoin attestation.'),
    still_pending: z.array(z.string()),
    error: z.string().nullable(),
    anchor: anchorResponse,
  })
  .meta({ id: 'AnchorUpgrade' });
