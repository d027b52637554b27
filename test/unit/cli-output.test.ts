import { describe, expect, it } from 'vitest';
import { Output } from '../../src/cli/artdag/output.js';

/** A stream that records what is written, a terminal or not. */
function stream(isTTY: boolean) {
  const sink = { text: '', isTTY, write: (chunk: string) => ((sink.text += chunk), true) };
  return sink;
}

function output(options: { stdoutTTY?: boolean; stderrTTY?: boolean; json?: boolean; quiet?: boolean }) {
  const stdout = stream(options.stdoutTTY ?? false);
  const stderr = stream(options.stderrTTY ?? false);
  return { stdout, stderr, out: new Output(stdout, stderr, { json: options.json ?? false, quiet: options.quiet ?? false }) };
}

describe('progress', () => {
  it('draws on stderr, one redrawn line, when stderr is a terminal, and leaves stdout alone', () => {
    const { stdout, stderr, out } = output({ stderrTTY: true });
    const bar = out.progress('uploading', 2048);
    bar.advance(2048);
    bar.done();
    const spinner = out.spinner('waiting');
    spinner.update('still waiting');
    spinner.stop();
    expect(stdout.text).toBe('');
    expect(stderr.text).toContain('uploading');
    expect(stderr.text).toContain('still waiting');
    expect(stderr.text).not.toContain('\n');
    expect(stderr.text.endsWith('\r\x1b[2K')).toBe(true);
  });

  it('stays silent when stderr is not a terminal (even if stdout is), and with --json or --quiet', () => {
    for (const options of [{ stdoutTTY: true }, { stderrTTY: true, json: true }, { stderrTTY: true, quiet: true }]) {
      const { stdout, stderr, out } = output(options);
      const bar = out.progress('hashing', 10);
      bar.advance(10);
      bar.done();
      out.spinner('waiting').stop();
      expect(stdout.text + stderr.text).toBe('');
    }
  });
});

describe('results', () => {
  it('are JSON with --json, text without, nothing with --quiet; JSON lines appear in --json mode only', () => {
    const json = output({ json: true });
    json.out.jsonLine({ user_code: 'BCDF-GHJK' });
    json.out.result({ a: 1 }, () => 'human');
    expect(json.stdout.text).toBe('{"user_code":"BCDF-GHJK"}\n{\n  "a": 1\n}\n');
    const human = output({});
    human.out.jsonLine({ user_code: 'BCDF-GHJK' });
    human.out.result({ a: 1 }, () => 'human');
    expect(human.stdout.text).toBe('human\n');
    const quiet = output({ quiet: true });
    quiet.out.result({ a: 1 }, () => 'human');
    expect(quiet.stdout.text).toBe('');
  });
});
