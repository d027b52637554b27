// Exit codes and the errors that carry them: every failure the CLI reports ends in exactly one of these codes.

export const EXIT = { ok: 0, failure: 1, usage: 2, unavailable: 3, auth: 4, notFound: 5, conflict: 6, pending: 7 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODE_HELP = `Exit codes:
  0  success
  1  failure: the server refused the request, a job failed, a proof is invalid
  2  usage error: unknown command or option, missing argument
  3  unavailable: the server could not be reached or failed (5xx, 429); try again later
  4  not logged in, or authentication failed (401, login denied or expired)
  5  not found (404)
  6  conflict: already registered (409)
  7  pending: not finished yet (a proof not yet confirmed on Bitcoin, a job still running)`;

/** A failure to report as "error: <message>" and exit with its code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.failure,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad command-line input; main prints the command's usage with it. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}

/** A refusal from the server, with its HTTP status, error code, and what else its error document said. */
export class ApiError extends CliError {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | undefined,
    readonly extra: { details?: unknown; requestId?: string } = {},
  ) {
    super(message, exitCodeForStatus(status));
  }
}

/** 401: the token is missing, expired or revoked; 404, 409: said so; 5xx, 408, 429: try later; other refusals fail. */
export function exitCodeForStatus(status: number): ExitCode {
  if (status === 401) return EXIT.auth;
  if (status === 404) return EXIT.notFound;
  if (status === 409) return EXIT.conflict;
  if (status >= 500 || status === 408 || status === 429) return EXIT.unavailable;
  return EXIT.failure;
}

export function exitCodeOf(err: unknown): ExitCode {
  return err instanceof CliError ? err.exitCode : EXIT.failure;
}

const EXIT_NAMES = Object.fromEntries(Object.entries(EXIT).map(([name, code]) => [code, name])) as Record<ExitCode, string>;

export interface ErrorReport {
  /** The server's error code, else the exit code's name (usage, auth, unavailable, ...). */
  code: string;
  message: string;
  status?: number;
  details?: unknown;
  request_id?: string;
  exit_code: ExitCode;
}

/** The error as `--json` prints it on stdout: `{"error": ErrorReport}`. */
export function errorReport(err: unknown): ErrorReport {
  const exitCode = exitCodeOf(err);
  const message = err instanceof Error ? err.message : String(err);
  if (!(err instanceof ApiError)) return { code: EXIT_NAMES[exitCode], message, exit_code: exitCode };
  return {
    code: err.code ?? EXIT_NAMES[exitCode],
    message,
    status: err.status,
    ...(err.extra.details !== undefined ? { details: err.extra.details } : {}),
    ...(err.extra.requestId !== undefined ? { request_id: err.extra.requestId } : {}),
    exit_code: exitCode,
  };
}

/** What went wrong on the network, down to the system error (fetch hides it in `cause`). */
export function describeNetworkError(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause ?? err;
  const code = (cause as { code?: unknown }).code;
  const message = cause instanceof Error ? cause.message : String(cause);
  if (typeof code === 'string' && !message.includes(code)) return `${code}: ${message}`;
  return message;
}
