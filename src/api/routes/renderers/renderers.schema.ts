// Request and response schemas of the renderer (L1) endpoints: token verification, attach, detach and grants.
import { z } from 'zod';

const l1Field = z
  .string({ error: 'is required (the L1 server URL)' })
  .min(1, { error: 'is required (the L1 server URL)' })
  .max(2000)
  .describe('The L1 server, by URL; only its origin counts.');

export const verifyBody = z
  .object(
    {
      token: z
        .string({ error: 'is required (the token the user brought)' })
        .min(1, { error: 'is required' })
        .max(8192, { error: 'is too long' })
        .describe('The token the user brought to the L1: a session JWT bound to this L1, or an opaque grant (agr_...).'),
      l1_server: l1Field,
    },
    { error: 'must be an object with token and l1_server' },
  )
  .meta({ id: 'VerifyTokenBody' });

export const l1Body = z.object({ l1_server: l1Field }, { error: 'must be an object with l1_server' }).meta({ id: 'L1ServerBody' });

export const attachQuery = z.object({ l1: l1Field });

export const grantId = z.coerce
  .number({ error: 'must be a grant id' })
  .int()
  .positive({ error: 'must be a grant id' })
  .describe('The grant id, from GET /renderers.');

// Response shapes (documentation, checked against real answers by the OpenAPI tests).

export const verificationResponse = z
  .object({
    valid: z.literal(true),
    username: z.string(),
    actor_id: z.string(),
    l2_server: z.string(),
    expires_at: z.string(),
    token_kind: z.enum(['jwt', 'grant']),
  })
  .meta({ id: 'TokenVerification' });

export const renderersResponse = z
  .object({
    trusted_l1_servers: z.array(z.string()).describe('The L1 servers this L2 trusts (L1_SERVERS).'),
    grants: z.array(
      z.object({
        id: z.number().int(),
        l1_server: z.string(),
        scope: z.string(),
        created_at: z.string(),
        expires_at: z.string(),
        last_used_at: z.string().nullable(),
        revoked_at: z.string().nullable(),
      }),
    ),
    renderers: z.array(
      z.object({
        l1_server: z.string(),
        attached: z.boolean(),
        attached_at: z.string(),
        last_verified_at: z.string().nullable(),
        detached_at: z.string().nullable(),
      }),
    ),
    notifications: z
      .array(
        z.object({
          l1_server: z.string(),
          kind: z.string(),
          status: z.string(),
          attempts: z.number().int(),
          last_error: z.string().nullable(),
          created_at: z.string(),
          done_at: z.string().nullable(),
        }),
      )
      .describe('Logouts and detaches this L2 told (or is telling) the L1 servers about.'),
  })
  .meta({ id: 'Renderers' });

export const detachedResponse = z
  .object({ detached: z.literal(true), l1_server: z.string(), notified: z.boolean().describe('Whether the L1 is being told.') })
  .meta({ id: 'Detached' });

export const grantResponse = z
  .object({
    token: z.string().describe('Shown once: only its hash is kept.'),
    l1_server: z.string(),
    expires_at: z.string(),
  })
  .meta({ id: 'Grant' });

export const grantRevokedResponse = z.object({ revoked: z.literal(true) }).meta({ id: 'GrantRevoked' });
