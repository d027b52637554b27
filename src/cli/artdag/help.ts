// Help and usage text, generated from the command table so it never drifts from what is parsed.
import { GLOBAL_OPTIONS } from './args.js';
import type { Command, OptionSpec } from './command.js';
import { EXIT_CODE_HELP, type ExitCode } from './errors.js';

const EXIT_LABELS: Record<ExitCode, string> = {
  0: 'ok',
  1: 'failure',
  2: 'usage error',
  3: 'server unavailable',
  4: 'not logged in / auth failed',
  5: 'not found',
  6: 'conflict',
  7: 'pending',
};

export interface Group {
  name: string;
  summary: string;
}

export function usageLine(command: Command): string {
  const args = command.args.map((arg) => (arg.optional ? `[${arg.name}]` : arg.name));
  const required = (command.required ?? []).map((name) => `--${name} ${command.options[name]?.value ?? ''}`.trim());
  const optional = Object.keys(command.options).length > (command.required ?? []).length ? ['[options]'] : [];
  return ['artdag', command.name, ...args, ...required, ...optional].join(' ');
}

function optionLines(options: Record<string, OptionSpec>): string[] {
  const left = Object.entries(options).map(([name, spec]) =>
    [spec.short ? `-${spec.short}, ` : '    ', `--${name}`, spec.value ? ` ${spec.value}` : ''].join(''),
  );
  const width = Math.max(...left.map((l) => l.length));
  return Object.values(options).map((spec, i) => `  ${left[i]!.padEnd(width)}  ${spec.help}`);
}

export function commandHelp(command: Command): string {
  const own = Object.keys(command.options).length ? ['', 'Options:', ...optionLines(command.options)] : [];
  return [
    `${command.summary}`,
    '',
    `usage: ${usageLine(command)}`,
    ...own,
    '',
    'Global options:',
    ...optionLines(GLOBAL_OPTIONS),
    ...(command.details ? ['', command.details] : []),
    '',
    `Exit codes: ${command.exits.map((code) => `${code} ${EXIT_LABELS[code]}`).join(', ')} (see artdag --help)`,
  ].join('\n');
}

export function groupHelp(group: Group, commands: Command[]): string {
  const members = commands.filter((c) => c.name.startsWith(`${group.name} `));
  return [group.summary, '', `usage: artdag ${group.name} <command> [options]`, '', 'Commands:', ...commandList(members)].join('\n');
}

function commandList(commands: Command[]): string[] {
  const width = Math.max(...commands.map((c) => c.name.length));
  return commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
}

export function mainHelp(commands: Command[]): string {
  return [
    'artdag: drive an Art DAG L2 server from the terminal.',
    '',
    'usage: artdag <command> [options]',
    '',
    'Commands:',
    ...commandList(commands),
    '',
    'Global options (accepted by every command):',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    'Run "artdag <command> --help" for a command\'s options, "artdag --version" for the version.',
    'Logins are saved in $ARTDAG_CONFIG_DIR, else $XDG_CONFIG_HOME/artdag, else ~/.config/artdag (credentials.json).',
    '',
    EXIT_CODE_HELP,
  ].join('\n');
}
