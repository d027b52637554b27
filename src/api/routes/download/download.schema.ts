// Response schema of the CLI download information (documentation, checked by the OpenAPI tests).
import { z } from 'zod';

export const clientInfoResponse = z
  .object({
    name: z.literal('artdag'),
    version: z.string(),
    url: z.string().describe('Where to download the single-file client.'),
    sha256: z.string().describe('SHA-256 of the file, hex.'),
    size_bytes: z.number().int(),
    requires: z.string(),
  })
  .meta({ id: 'ClientInfo' });
