// Request schemas for the account endpoints and forms.
import { z } from 'zod';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../../domain/password.js';
import { USERNAME_PATTERN } from '../../../domain/username.js';

const username = z
  .string({ error: 'is required (a string)' })
  .regex(USERNAME_PATTERN, { error: 'must be 1-30 characters of a-z, 0-9 and _' })
  .meta({ id: 'Username', description: '1-30 characters of a-z, 0-9 and _.', examples: ['alice'] });

const password = z
  .string({ error: 'is required (a string)' })
  .min(PASSWORD_MIN_LENGTH, { error: `must be at least ${PASSWORD_MIN_LENGTH} characters` })
  .max(PASSWORD_MAX_LENGTH, { error: `must be at most ${PASSWORD_MAX_LENGTH} characters` });

const optionalEmail = z
  .union([z.literal('').transform(() => undefined), z.email({ error: 'must be an email address' }).max(254)])
  .optional();

export const registerBody = z
  .object({ username, password, email: optionalEmail }, { error: 'must be an object with username and password' })
  .meta({ id: 'RegisterAccountBody' });

export const loginBody = z
  .object(
    {
      username: z.string({ error: 'is required (a string)' }).min(1, { error: 'is required' }).max(30),
      password: z.string({ error: 'is required (a string)' }).min(1, { error: 'is required' }).max(PASSWORD_MAX_LENGTH),
    },
    { error: 'must be an object with username and password' },
  )
  .meta({ id: 'LoginBody' });

/** Where to go after a form login: only a local path, never another site. */
export const nextPath = z
  .string()
  .regex(/^\/(?![/\\])[^\s]*$/)
  .catch('/');

export const changePasswordBody = z
  .object(
    {
      current_password: z.string({ error: 'is required (a string)' }).min(1, { error: 'is required' }).max(PASSWORD_MAX_LENGTH),
      new_password: password,
    },
    { error: 'must be an object with current_password and new_password' },
  )
  .meta({ id: 'ChangePasswordBody' });

// Response shapes (documentation, checked against real answers by the OpenAPI tests).

export const accountResponse = z
  .object({
    username: z.string(),
    actor_id: z.string().describe('The ActivityPub actor URL.'),
    handle: z.string().describe('@name@domain'),
    email: z.string().nullable(),
    display_name: z.string().nullable(),
    is_operator: z.boolean(),
    created_at: z.string(),
  })
  .meta({ id: 'Account' });

export const meResponse = accountResponse
  .extend({ token_expires_at: z.string().describe('When the presented token or session ends.') })
  .meta({ id: 'Me' });

export const loginTokenResponse = z
  .object({
    access_token: z.string().describe('Send as "Authorization: Bearer <token>".'),
    token_type: z.literal('bearer'),
    expires_at: z.string(),
    expires_in: z.number().int().describe('Seconds until it expires.'),
    username: z.string(),
  })
  .meta({ id: 'LoginToken' });

export const passwordChangedResponse = z.object({ changed: z.literal(true) }).meta({ id: 'PasswordChanged' });

export const loggedOutResponse = z
  .object({
    revoked: z.literal(true),
    jti: z.string().describe('The id of the token that was revoked.'),
    l1_servers_notified: z.array(z.string()).describe('L1 servers told to drop the sessions this token opened there.'),
  })
  .meta({ id: 'LoggedOut' });
