// Request schemas for the account endpoints and forms.
import { z } from 'zod';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../../domain/password.js';
import { USERNAME_PATTERN } from '../../../domain/username.js';

const username = z
  .string({ error: 'is required (a string)' })
  .regex(USERNAME_PATTERN, { error: 'must be 1-30 characters of a-z, 0-9 and _' });

const password = z
  .string({ error: 'is required (a string)' })
  .min(PASSWORD_MIN_LENGTH, { error: `must be at least ${PASSWORD_MIN_LENGTH} characters` })
  .max(PASSWORD_MAX_LENGTH, { error: `must be at most ${PASSWORD_MAX_LENGTH} characters` });

const optionalEmail = z
  .union([z.literal('').transform(() => undefined), z.email({ error: 'must be an email address' }).max(254)])
  .optional();

export const registerBody = z.object(
  { username, password, email: optionalEmail },
  { error: 'must be an object with username and password' },
);

export const loginBody = z.object(
  {
    username: z.string({ error: 'is required (a string)' }).min(1, { error: 'is required' }).max(30),
    password: z.string({ error: 'is required (a string)' }).min(1, { error: 'is required' }).max(PASSWORD_MAX_LENGTH),
  },
  { error: 'must be an object with username and password' },
);

/** Where to go after a form login: only a local path, never another site. */
export const nextPath = z
  .string()
  .regex(/^\/(?![/\\])[^\s]*$/)
  .catch('/');

export const changePasswordBody = z.object(
  {
    current_password: z.string({ error: 'is required (a string)' }).min(1, { error: 'is required' }).max(PASSWORD_MAX_LENGTH),
    new_password: password,
  },
  { error: 'must be an object with current_password and new_password' },
);
