// Request and response schemas of the device authorization endpoints (RFC 8628) the CLI calls.
import { z } from 'zod';

export const DEVICE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';

const clientId = z
  .string({ error: 'client_id is required' })
  .regex(/^[A-Za-z0-9._:-]{1,100}$/, { error: 'client_id must be 1-100 characters of letters, digits, ".", "_", ":" and "-"' })
  .describe('Names the client, e.g. "artdag-cli".');

export const codeBody = z.object({ client_id: clientId }).meta({ id: 'DeviceCodeBody' });

export const tokenBody = z
  .object({
    grant_type: z.literal(DEVICE_GRANT_TYPE, { error: `grant_type must be ${DEVICE_GRANT_TYPE}` }),
    device_code: z.string({ error: 'device_code is required' }).min(1, { error: 'device_code is required' }).max(200),
    client_id: clientId,
  })
  .meta({ id: 'DeviceTokenBody' });

// Response shapes (documentation, checked against real answers by the OpenAPI tests).

export const deviceCodeResponse = z
  .object({
    device_code: z.string().describe('Secret: the device polls the token endpoint with it.'),
    user_code: z.string().describe('Shown to the user, who types it at verification_uri (e.g. BCDF-GHJK).'),
    verification_uri: z.string(),
    verification_uri_complete: z.string().describe('verification_uri with the code filled in.'),
    expires_in: z.number().int(),
    interval: z.number().int().describe('Seconds to wait between polls.'),
  })
  .meta({ id: 'DeviceCodeGrant' });

export const deviceTokenResponse = z
  .object({
    access_token: z.string(),
    token_type: z.literal('bearer'),
    expires_in: z.number().int(),
    username: z.string(),
  })
  .meta({ id: 'DeviceToken' });

export const oauthErrorResponse = z
  .object({
    error: z
      .enum([
        'invalid_request',
        'unsupported_grant_type',
        'authorization_pending',
        'slow_down',
        'expired_token',
        'access_denied',
        'invalid_grant',
        'invalid_client',
      ])
      .describe('RFC 6749 §5.2 / RFC 8628 §3.5 error code.'),
    error_description: z.string(),
    interval: z.number().int().optional().describe('With slow_down: the new polling interval in seconds.'),
  })
  .meta({ id: 'OAuthError', description: 'The OAuth error format (not the API error body): the device endpoints follow RFC 8628.' });
