// Recognises errors that mean "Postgres cannot be reached right now" (down, restarting, out of connections), as
// opposed to errors in a query: the API answers the first kind with 503 and Retry-After, not a logged 500.

// SQLSTATE classes 08 (connection exception) and 57P (operator intervention: shutdown, crash, starting up),
// and 53300 (too many connections).
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[1-4]|53300)$/;
const UNAVAILABLE_SOCKET = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
// node-postgres reports a dropped connection by message only (knex prefixes the SQL to it).
const UNAVAILABLE_MESSAGE =
  /Connection terminated (unexpectedly|due to connection timeout)|encountered a connection error and is not queryable/;

export function isDatabaseUnavailable(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const { code, name, message, errors } = err as { code?: unknown; name?: unknown; message?: unknown; errors?: unknown };
  if (name === 'KnexTimeoutError') return true;
  if (typeof code === 'string' && (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_SOCKET.has(code))) return true;
  if (typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message)) return true;
  // A host name with several addresses fails with one error per address.
  return Array.isArray(errors) && errors.length > 0 && errors.every(isDatabaseUnavailable);
}
