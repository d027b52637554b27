// Accounts and the device authorization flow, as the OpenAPI document describes them.
import {
  accountResponse,
  changePasswordBody,
  loggedOutResponse,
  loginBody,
  loginTokenResponse,
  meResponse,
  passwordChangedResponse,
  registerBody,
} from '../../routes/auth/auth.schema.js';
import { codeBody, deviceCodeResponse, deviceTokenResponse, oauthErrorResponse, tokenBody } from '../../routes/auth/device.schema.js';
import type { ApiOperation } from '../operation.js';

// The OAuth endpoints take forms first (RFC 6749), and JSON too.
const OAUTH_BODY = ['application/x-www-form-urlencoded', 'application/json'];
const noStore = { 'Cache-Control': 'no-store' };

export const AUTH_OPERATIONS: ApiOperation[] = [
  {
    method: 'post',
    path: '/auth/register',
    operationId: 'registerAccount',
    summary: 'Create an account',
    tags: ['Accounts'],
    auth: 'none',
    body: registerBody,
    responses: {
      201: { description: 'Created; log in next.', schema: accountResponse, headers: { Location: 'The actor: /users/{name}.' } },
    },
    errors: [409],
  },
  {
    method: 'post',
    path: '/auth/login',
    operationId: 'login',
    summary: 'Log in: get a Bearer token',
    tags: ['Accounts'],
    auth: 'none',
    body: loginBody,
    responses: { 200: { description: 'The token.', schema: loginTokenResponse, headers: noStore } },
    errors: [401],
  },
  {
    method: 'get',
    path: '/auth/me',
    operationId: 'whoAmI',
    summary: 'The account of the caller',
    tags: ['Accounts'],
    auth: 'session',
    responses: { 200: { description: 'The account, and when the token ends.', schema: meResponse } },
  },
  {
    method: 'post',
    path: '/auth/password',
    operationId: 'changePassword',
    summary: 'Change the password',
    tags: ['Accounts'],
    auth: 'session',
    body: changePasswordBody,
    responses: { 200: { description: 'Changed.', schema: passwordChangedResponse } },
  },
  {
    method: 'post',
    path: '/auth/logout',
    operationId: 'logout',
    summary: 'Log out: revoke the token',
    description: 'Revokes the presented token or session here, and logs the user out of every attached L1 server.',
    tags: ['Accounts'],
    auth: 'session',
    responses: { 200: { description: 'Revoked.', schema: loggedOutResponse } },
  },
  {
    method: 'post',
    path: '/auth/device/code',
    operationId: 'startDeviceAuthorization',
    summary: 'Start a device authorization (RFC 8628)',
    description: 'The device shows user_code and verification_uri; the user approves at /device; the device polls /auth/device/token.',
    tags: ['Device authorization'],
    auth: 'none',
    body: codeBody,
    bodyTypes: OAUTH_BODY,
    responses: {
      200: { description: 'The codes.', schema: deviceCodeResponse, headers: noStore },
      400: { description: 'Invalid request (OAuth error format).', schema: oauthErrorResponse },
    },
  },
  {
    method: 'post',
    path: '/auth/device/token',
    operationId: 'pollDeviceToken',
    summary: 'Poll for the token of a device authorization',
    description:
      'Until the user decides: 400 authorization_pending (or slow_down when polling faster than the interval). Then the token, or access_denied / expired_token.',
    tags: ['Device authorization'],
    auth: 'none',
    body: tokenBody,
    bodyTypes: OAUTH_BODY,
    responses: {
      200: { description: 'Approved: a session token for the user.', schema: deviceTokenResponse, headers: noStore },
      400: { description: 'Not (yet) a token (OAuth error format).', schema: oauthErrorResponse },
    },
  },
];
