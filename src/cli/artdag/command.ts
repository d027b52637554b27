// The shape of a command (its arguments, options, help and handler) and the context every handler gets.
import type { ApiClient, FetchLike } from './api-client.js';
import type { CredentialStore, SavedLogin } from './credentials.js';
import type { ExitCode } from './errors.js';
import type { Output } from './output.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** The placeholder shown in help, e.g. URL for `--server URL`. */
  value?: string;
  help: string;
}

export type Values = Record<string, string | boolean | undefined>;

export interface CommandInput {
  args: string[];
  values: Values;
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** What `login --with-token` reads: process.stdin, or a list of chunks in tests. */
export type Input = AsyncIterable<Buffer | string> | Iterable<Buffer | string>;

export interface Context {
  out: Output;
  store: CredentialStore;
  /** The origin of the server this run talks to. */
  server: string;
  /** The saved login for that server, if any. */
  login: SavedLogin | undefined;
  /** A client for the server, sending the saved token when there is one. */
  api: ApiClient;
  /** The client, or exit 3 with "not logged in" when no token is saved. */
  requireLogin(): ApiClient;
  fetch: FetchLike;
  clock: Clock;
  stdin: Input;
}

export interface Command {
  /** The words that select it: "whoami", "assets list". */
  name: string;
  summary: string;
  args: { name: string; optional?: boolean }[];
  options: Record<string, OptionSpec>;
  /** Options that must be given. */
  required?: string[];
  /** Help text after the options. */
  details?: string;
  /** The exit codes this command can end with, for its help. */
  exits: ExitCode[];
  run(ctx: Context, input: CommandInput): Promise<ExitCode | void>;
}

export function stringValue(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}
