// The prose of the OpenAPI document: the introduction, the tag descriptions and what each error status means.

export const API_DESCRIPTION = `The JSON API of an Art DAG L2 server: an ownership registry of content-addressed assets, federated over
ActivityPub and anchored on Bitcoin with OpenTimestamps.

**Authentication.** Send \`Authorization: Bearer <token>\` with a token from \`POST /auth/login\` (or the device flow the
\`artdag\` CLI uses). A browser's session cookie works too; then every POST, PATCH and DELETE must also send the
\`X-CSRF-Token\` header with the value of the \`artdag_csrf\` cookie.

**Errors.** Every failure answers with a status code and the body \`{"error": {"code", "message", "details"?, "request_id"}}\`:
\`code\` is stable and machine-readable, \`message\` says what was wrong and how to fix it, and an invalid request lists
each bad field in \`details.issues\`. The device endpoints answer in the OAuth error format instead (RFC 8628).

**Pages.** Lists are newest first; pass the \`next_cursor\` of one page as \`cursor\` to get the next one.

**Browsers.** Several URLs also serve people: with \`Accept: text/html\` they answer an HTML page (\`Vary: Accept\`).`;

export const TAGS = [
  { name: 'Assets', description: 'Register, list, read and change assets; their content with Range support.' },
  {
    name: 'Jobs',
    description: 'Long work (recording an L1 run, publishing an L1 cache item): 202 with a status URL when it takes longer than the wait.',
  },
  { name: 'Accounts', description: 'Register, log in and out, change the password.' },
  { name: 'Device authorization', description: 'RFC 8628: how the artdag CLI gets a token (the user approves the code at /device).' },
  { name: 'Renderers', description: 'L1 servers: attach and detach them, verify the tokens users bring them, opaque grants.' },
  { name: 'Storage', description: "Each user's storage providers (local, S3, IPFS) where assets are pinned." },
  { name: 'Anchors', description: 'OpenTimestamps anchoring of activities in merkle batches, and the proofs.' },
  { name: 'Activities', description: 'Activities exactly as signed, and the objects they announce.' },
  { name: 'Federation', description: 'ActivityPub actors, collections and inboxes; WebFinger and NodeInfo discovery.' },
  { name: 'Meta', description: 'Health, readiness, this description, the CLI download.' },
];

export const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request: details.issues names each bad field and what it must be.',
  401: 'Not authenticated: send a Bearer token (or log in); the token may have expired or been revoked.',
  403: 'Not allowed: another user owns it, the account lacks the right, or a cookie-authenticated request lacked the CSRF token (csrf_failed).',
  404: 'Not found.',
  409: 'Conflict with what is already registered.',
  413: 'The body is larger than the server accepts.',
  415: 'Unsupported body type: send JSON (or a form).',
  416: 'The requested range lies outside the content.',
  422: 'Well-formed, but cannot be processed.',
  429: 'Too many requests: wait for Retry-After seconds.',
  502: 'A server this request depends on (an L1, a calendar) failed.',
  503: 'Temporarily unavailable.',
};
