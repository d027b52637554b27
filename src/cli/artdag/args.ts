// Command-line parsing: the command words come first (global options may precede them), then the rest is
// parsed strictly with node:util parseArgs; every mistake becomes a UsageError (exit 2).
import { parseArgs } from 'node:util';
import type { Command, OptionSpec, Values } from './command.js';
import { UsageError } from './errors.js';

export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  server: {
    type: 'string',
    value: 'URL',
    help: "the L2 server (default: $ARTDAG_SERVER, else the last login's server, else http://localhost:8200)",
  },
  json: { type: 'boolean', help: 'print machine-readable JSON on stdout' },
  quiet: { type: 'boolean', help: 'print nothing but errors' },
  help: { type: 'boolean', short: 'h', help: 'show help for the command' },
};

export interface Globals {
  server: string | undefined;
  json: boolean;
  quiet: boolean;
  help: boolean;
}

export interface ParsedCommandLine {
  globals: Globals;
  values: Values;
  args: string[];
}

/** Splits argv into the command words (one, or two for a group such as `assets list`) and everything else. */
export function splitCommand(argv: string[], isGroup: (word: string) => boolean): { words: string[]; rest: string[] } {
  const words: string[] = [];
  const rest: string[] = [];
  let i = 0;
  const complete = () => words.length === 2 || (words.length === 1 && !isGroup(words[0]!));
  for (; i < argv.length && !complete(); i++) {
    const token = argv[i]!;
    if (token === '--') break;
    if (!token.startsWith('-') || token === '-') {
      words.push(token);
      continue;
    }
    const name = token.startsWith('--') ? token.slice(2).split('=')[0]! : token.slice(1);
    const spec = Object.entries(GLOBAL_OPTIONS).find(([long, option]) => long === name || option.short === name)?.[1];
    if (!spec) throw new UsageError(`unknown option ${token}${words.length ? '' : ' (only global options may come before the command)'}`);
    rest.push(token);
    if (spec.type === 'string' && !token.includes('=') && i + 1 < argv.length) rest.push(argv[++i]!);
  }
  return { words, rest: [...rest, ...argv.slice(i)] };
}

/** Global and command options with their values, and the positional arguments, checked against the command. */
export function parseCommandLine(command: Command, rest: string[]): ParsedCommandLine {
  const options = Object.fromEntries(
    Object.entries({ ...GLOBAL_OPTIONS, ...command.options }).map(([name, spec]) => [
      name,
      spec.short ? { type: spec.type, short: spec.short } : { type: spec.type },
    ]),
  );
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: rest, options, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (err) {
    throw usageErrorFrom(err);
  }
  const { values, positionals } = parsed;
  const globals: Globals = {
    server: typeof values.server === 'string' ? values.server : undefined,
    json: values.json === true,
    quiet: values.quiet === true,
    help: values.help === true,
  };
  // Asking for help needs nothing else to be right.
  if (!globals.help) checkArguments(command, values, positionals);
  return { globals, values, args: positionals };
}

function checkArguments(command: Command, values: Values, positionals: string[]): void {
  const missing = command.args.slice(positionals.length).find((arg) => !arg.optional);
  if (missing) throw new UsageError(`missing ${missing.name}`);
  if (positionals.length > command.args.length) throw new UsageError(`unexpected argument "${positionals[command.args.length]}"`);
  for (const name of command.required ?? []) {
    const value = values[name];
    if (value === undefined || value === '') throw new UsageError(`missing --${name} ${command.options[name]?.value ?? ''}`.trim());
  }
}

function usageErrorFrom(err: unknown): UsageError {
  const { code, message } = err as { code?: string; message: string };
  const option = /'(-[^' ]+)/.exec(message)?.[1] ?? '';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new UsageError(`unknown option ${option}`);
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    return new UsageError(/does not take/.test(message) ? `option ${option} does not take a value` : `option ${option} needs a value`);
  }
  return new UsageError(message);
}

/** A whole number option within [min, max], or undefined when absent. */
export function intOption(values: Values, name: string, min: number, max: number): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || value < min || value > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`);
  }
  return value;
}

/** The origin of an http(s) URL given on the command line or in the environment. */
export function serverOrigin(input: string, source: string): string {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new UsageError(`${source} must be an http(s) URL such as https://l2.example, not "${input}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${source} must be an http(s) URL, not "${input}"`);
  if (url.pathname !== '/' || url.search || url.hash) {
    throw new UsageError(`${source} must be the server's origin (like ${url.origin}), without a path`);
  }
  return url.origin;
}
