import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configVariables } from '../../src/config.js';

const readme = fs.readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('starts with the two set-up commands', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)![1]!;
    expect(firstBlock).toContain('npm ci && npm start');
    expect(firstBlock).toContain('npm test');
  });

  it('documents every configuration variable', () => {
    const missing = Object.keys(configVariables).filter((name) => !readme.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });

  it('is what .ci/run runs', () => {
    const ci = fs.readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8');
    const commands = ci.split('\n').filter((l) => l && !l.startsWith('#') && !l.startsWith('set ') && !l.startsWith('cd '));
    expect(commands[0]).toBe('npm ci');
    expect(commands.at(-1)).toBe('npm test');
    // Anything else CI does (installing the browser) is written in the README, word for word.
    for (const command of commands) expect(readme).toContain(command);
  });
});
