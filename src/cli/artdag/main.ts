// The CLI's entry point as a function: parse argv, run one command, and turn whatever happened into an exit
// code. Everything it touches (streams, environment, fetch, clock) comes in through `Io`, so tests can drive it.
import { ApiClient, type FetchLike } from './api-client.js';
import { parseCommandLine, serverOrigin, splitCommand, type Globals } from './args.js';
import type { Clock, Command, Context, Input } from './command.js';
import { COMMANDS, GROUPS } from './commands/index.js';
import { configDir, CredentialStore } from './credentials.js';
import type { CliEnv } from './environment.js';
import { CliError, errorReport, EXIT, exitCodeOf, UsageError, type ExitCode } from './errors.js';
import { commandHelp, groupHelp, mainHelp, usageLine } from './help.js';
import { Output, type OutStream } from './output.js';

export const DEFAULT_SERVER = 'http://localhost:8200';

// Set by scripts/build-cli.mjs from package.json; absent when run from source.
declare const __ARTDAG_VERSION__: string | undefined;
export const VERSION = typeof __ARTDAG_VERSION__ === 'string' ? __ARTDAG_VERSION__ : 'dev';

export interface Io {
  argv: string[];
  env: CliEnv;
  stdout: OutStream;
  stderr: OutStream;
  stdin: Input;
  fetch?: FetchLike;
  clock?: Clock;
}

const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** The server for this run: --server, else $ARTDAG_SERVER, else the saved default login's, else localhost. */
function resolveServer(globals: Globals, store: CredentialStore, env: CliEnv): string {
  if (globals.server !== undefined) return serverOrigin(globals.server, '--server');
  if (env.server) return serverOrigin(env.server, 'ARTDAG_SERVER');
  return store.read().default ?? DEFAULT_SERVER;
}

function createContext(globals: Globals, io: Io): Context {
  const out = new Output(io.stdout, io.stderr, { json: globals.json, quiet: globals.quiet });
  const store = new CredentialStore(configDir(io.env));
  const server = resolveServer(globals, store, io.env);
  const login = store.get(server);
  const fetchImpl = io.fetch ?? fetch;
  const api = new ApiClient(server, login?.token, fetchImpl);
  return {
    out,
    store,
    server,
    login,
    api,
    requireLogin() {
      if (!login) throw new CliError(`not logged in to ${server}: run "artdag login"`, EXIT.auth);
      return api;
    },
    fetch: fetchImpl,
    clock: io.clock ?? systemClock,
    stdin: io.stdin,
  };
}

/** A usage mistake: the message, then how the command is used, on stderr. */
function usageFailure(io: Io, err: UsageError, command: Command | undefined): ExitCode {
  const how = command ? `usage: ${usageLine(command)}\nRun "artdag ${command.name} --help" for details.` : 'Run "artdag --help" for usage.';
  io.stderr.write(`error: ${err.message}\n${how}\n`);
  return EXIT.usage;
}

/** Whether --json was asked for, even when the rest of the command line could not be parsed. */
function wantsJson(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
}

export async function run(io: Io): Promise<ExitCode> {
  let command: Command | undefined;
  try {
    if (io.argv.length === 1 && (io.argv[0] === '--version' || io.argv[0] === '-V')) {
      io.stdout.write(`artdag ${VERSION}\n`);
      return EXIT.ok;
    }
    const { words, rest } = splitCommand(io.argv, (word) => GROUPS.some((g) => g.name === word));
    const wantsHelp = rest.some((token) => token === '--help' || token === '-h');
    const group = GROUPS.find((g) => g.name === words[0]);
    command = COMMANDS.find((c) => c.name === words.join(' '));
    if (!command) {
      if (words.length === 0 || (group && words.length === 1)) {
        const help = group ? groupHelp(group, COMMANDS) : mainHelp(COMMANDS);
        // Help that was asked for is output; help shown because something was missing is a usage error.
        (wantsHelp ? io.stdout : io.stderr).write(`${help}\n`);
        return wantsHelp ? EXIT.ok : EXIT.usage;
      }
      throw new UsageError(`unknown command "${words.join(' ')}"`);
    }
    const parsed = parseCommandLine(command, rest);
    if (parsed.globals.help) {
      io.stdout.write(`${commandHelp(command)}\n`);
      return EXIT.ok;
    }
    const ctx = createContext(parsed.globals, io);
    return (await command.run(ctx, { args: parsed.args, values: parsed.values })) ?? EXIT.ok;
  } catch (err) {
    // With --json, a script reads the failure from stdout too: {"error": {code, message, status?, ...}}.
    if (wantsJson(io.argv)) io.stdout.write(`${JSON.stringify({ error: errorReport(err) })}\n`);
    if (err instanceof UsageError) return usageFailure(io, err, command);
    io.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return exitCodeOf(err);
  }
}
