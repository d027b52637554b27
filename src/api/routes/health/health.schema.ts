// Response schemas of the liveness and readiness probes (documentation, checked by the OpenAPI tests).
import { z } from 'zod';

export const healthResponse = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });

export const readinessResponse = z
  .object({
    status: z.enum(['ok', 'unavailable']),
    database: z.string().describe('"ok", or "unavailable: <why>".'),
    temporal: z.string().describe('"ok", or "unavailable: <why>".'),
  })
  .meta({ id: 'Readiness' });
