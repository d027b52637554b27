import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { splitCommand } from '../../src/cli/artdag/args.js';
import { run } from '../../src/cli/artdag/main.js';

let configDir: string;
beforeEach(() => {
  configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'artdag-cli-'));
});

/** Runs the CLI in-process with captured output, recording any request it tries to make (none should go out). */
async function cli(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const requests: string[] = [];
  const code = await run({
    argv,
    env: { server: undefined, configDir, xdgConfigHome: undefined, home: configDir },
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    stdin: [],
    fetch: (async (url: string) => {
      requests.push(String(url));
      throw new Error('no network in parsing tests');
    }) as typeof fetch,
  });
  return { code, stdout, stderr, requests };
}

describe('finding the command', () => {
  const isGroup = (word: string) => word === 'assets';

  it('takes one word, or two for a group, and leaves global options and the rest for parsing', () => {
    expect(splitCommand(['--json', 'whoami', '--quiet'], isGroup)).toEqual({ words: ['whoami'], rest: ['--json', '--quiet'] });
    expect(splitCommand(['--server', 'http://x', 'assets', '--json', 'list', '--owner', 'bob'], isGroup)).toEqual({
      words: ['assets', 'list'],
      rest: ['--server', 'http://x', '--json', '--owner', 'bob'],
    });
    expect(splitCommand(['assets', 'show', 'list'], isGroup)).toEqual({ words: ['assets', 'show'], rest: ['list'] });
  });

  it('refuses a command option before the command', () => {
    expect(() => splitCommand(['--owner', 'bob', 'assets', 'list'], isGroup)).toThrow(/unknown option --owner/);
  });
});

describe('usage errors exit 2 with the usage on stderr', () => {
  it.each([
    [['frobnicate'], /unknown command "frobnicate"/],
    [['assets', 'frobnicate'], /unknown command "assets frobnicate"/],
    [['whoami', '--bogus'], /unknown option --bogus/],
    [['whoami', 'extra'], /unexpected argument "extra"/],
    [['assets', 'register'], /missing FILE/],
    [['assets', 'register', 'f.png', '--name', 'x'], /missing --type TYPE/],
    [['assets', 'register', 'f.png', '--name', 'x', '--type', 'painting'], /--type must be one of image, video/],
    [['assets', 'list', '--limit', '500'], /--limit must be a whole number from 1 to 100/],
    [['assets', 'list', '--owner'], /option --owner needs a value/],
    [['whoami', '--json=yes'], /option --json does not take a value/],
    [['record-run', 'run-1', '--l1', 'http://l1', '--name', 'out', '--wait', '61'], /--wait must be a whole number from 0 to 60/],
    [['anchors', 'verify', 'not-an-id'], /ACTIVITY must be an activity id URL, a uuid or a sequence number/],
    [['whoami', '--server', 'ftp://l2.example'], /--server must be an http\(s\) URL/],
    [['whoami', '--server', 'https://l2.example/api'], /--server must be the server's origin \(like https:\/\/l2.example\)/],
  ])('artdag %j', async (argv, message) => {
    const result = await cli(argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toMatch(/usage|--help/);
    expect(result.stdout).toBe('');
    expect(result.requests).toEqual([]);
  });

  it('shows the command list on stderr when no command is given', async () => {
    const result = await cli([]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('usage: artdag <command>');
    expect((await cli(['assets'])).stderr).toContain('assets register');
  });
});

describe('--help', () => {
  it('prints the commands and the exit codes on stdout and exits 0', async () => {
    const result = await cli(['--help']);
    expect(result.code).toBe(0);
    for (const command of [
      'login',
      'whoami',
      'logout',
      'assets list',
      'assets show',
      'assets register',
      'record-run',
      'publish-cache',
      'anchors verify',
    ]) {
      expect(result.stdout).toContain(command);
    }
    expect(result.stdout).toMatch(
      /Exit codes:\n\s+0 {2}success\n\s+1 {2}failure.*\n\s+2 {2}usage error.*\n\s+3 {2}unavailable.*\n\s+4 {2}not logged in.*\n\s+5 {2}not found.*\n\s+6 {2}conflict.*\n\s+7 {2}pending/,
    );
  });

  it.each(['login', 'whoami', 'logout', 'assets list', 'assets show', 'assets register', 'record-run', 'publish-cache', 'anchors verify'])(
    'artdag %s --help works without the required arguments',
    async (name) => {
      const result = await cli([...name.split(' '), '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`usage: artdag ${name}`);
      expect(result.stdout).toContain('--server URL');
      expect(result.requests).toEqual([]);
    },
  );
});
