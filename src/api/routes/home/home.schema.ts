// Response schema of the home URL for API clients (documentation, checked by the OpenAPI tests).
import { z } from 'zod';

export const instanceResponse = z
  .object({
    software: z.literal('artdag-l2'),
    domain: z.string(),
    url: z.string().describe('The public URL of this server.'),
    counts: z.object({ users: z.number().int(), assets: z.number().int(), activities: z.number().int() }),
  })
  .meta({ id: 'Instance' });
