// Request and response schemas of the activity endpoints.
import { z } from 'zod';
import { limitParam } from '../../pagination.js';

/** Types our outbox and inbox handling write; the list filter accepts these. */
export const ACTIVITY_TYPES = ['Create', 'Update', 'Delete', 'Announce', 'Accept', 'Reject', 'Follow', 'Undo', 'Like'] as const;

export const listActivitiesQuery = z.object({
  limit: limitParam,
  cursor: z.string({ error: 'must be one cursor' }).optional().describe('The next_cursor of the previous page.'),
  after: z
    .string({ error: 'must be one cursor' })
    .optional()
    .describe('The page before this cursor (newer activities), as the "previous" links of the page use.'),
  type: z
    .enum(ACTIVITY_TYPES, { error: `must be one of ${ACTIVITY_TYPES.join(', ')}` })
    .optional()
    .describe('Only activities of this type.'),
});

export const objectHash = z
  .string()
  .meta({ id: 'ObjectHash', description: 'The content hash of the asset (64 hex, optionally prefixed with "sha3-256:").' });

// Response shapes (documentation, checked against real answers by the OpenAPI tests).

export const activitySummaryResponse = z
  .object({
    index: z.number().int().describe('Sequence number: /activities/{index} finds it too.'),
    activity_id: z.string().describe('The id URL of the signed activity.'),
    uuid: z.string(),
    type: z.string().describe('Create, Update, Delete, ...'),
    actor: z.string(),
    object_id: z.string().nullable(),
    published: z.string(),
  })
  .meta({ id: 'ActivitySummary' });

export const activityPageResponse = z
  .object({
    items: z.array(activitySummaryResponse),
    next_cursor: z.string().nullable().describe('Pass as cursor for the next (older) page; null on the last page.'),
  })
  .meta({ id: 'ActivityPage' });
