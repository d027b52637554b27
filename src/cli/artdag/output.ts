// What the CLI prints: results on stdout (JSON with --json, text otherwise, nothing with --quiet), errors and
// hints on stderr, and progress (spinner, bar) on stderr only when it is an interactive terminal, so stdout
// stays clean even when a person watches the progress and pipes the result.
import { silentProgress, silentSpinner, startProgress, startSpinner, type Progress, type Sink, type Spinner } from './progress.js';

export interface OutStream extends Sink {
  isTTY?: boolean;
}

export interface OutputMode {
  json: boolean;
  quiet: boolean;
}

export class Output {
  constructor(
    readonly stdout: OutStream,
    readonly stderr: OutStream,
    readonly mode: OutputMode,
  ) {}

  /** Progress widgets only make sense for a person watching a terminal. */
  get interactive(): boolean {
    return Boolean(this.stderr.isTTY) && !this.mode.json && !this.mode.quiet;
  }

  /** The command's result: `json` with --json, `human()` otherwise, nothing with --quiet. */
  result(json: unknown, human: () => string): void {
    if (this.mode.json) this.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    else if (!this.mode.quiet) this.stdout.write(`${human()}\n`);
  }

  /** One compact JSON line on stdout, in --json mode only: for output a script reads before the command ends. */
  jsonLine(value: unknown): void {
    if (this.mode.json) this.stdout.write(`${JSON.stringify(value)}\n`);
  }

  /** A line for a person that must be seen even with --json or --quiet (stdout stays machine-readable). */
  prompt(text: string): void {
    (this.mode.json || this.mode.quiet ? this.stderr : this.stdout).write(`${text}\n`);
  }

  /** A hint or warning on stderr, unless --quiet. */
  note(text: string): void {
    if (!this.mode.quiet) this.stderr.write(`${text}\n`);
  }

  error(message: string): void {
    this.stderr.write(`error: ${message}\n`);
  }

  spinner(text: string): Spinner {
    return this.interactive ? startSpinner(this.stderr, text) : silentSpinner;
  }

  progress(label: string, total: number): Progress {
    return this.interactive ? startProgress(this.stderr, label, total) : silentProgress;
  }
}
