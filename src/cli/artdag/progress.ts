// Progress on an interactive terminal: a spinner while waiting on the server, a bar while reading a big file.
// Both redraw one line in place and erase it when done, so the final output stays clean.
import { formatBytes } from './format.js';

export interface Sink {
  write(text: string): unknown;
}

export interface Spinner {
  update(text: string): void;
  stop(): void;
}

export interface Progress {
  advance(bytes: number): void;
  done(): void;
}

export const silentSpinner: Spinner = { update: () => undefined, stop: () => undefined };
export const silentProgress: Progress = { advance: () => undefined, done: () => undefined };

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const CLEAR_LINE = '\r\x1b[2K';
const BAR_WIDTH = 30;
const REDRAW_MS = 100;

export function startSpinner(sink: Sink, initial: string): Spinner {
  let text = initial;
  let frame = 0;
  const draw = () => sink.write(`${CLEAR_LINE}${FRAMES[frame++ % FRAMES.length]} ${text}`);
  draw();
  const timer = setInterval(draw, REDRAW_MS);
  // The spinner must never keep the process alive on its own.
  timer.unref();
  return {
    update(next) {
      text = next;
      draw();
    },
    stop() {
      clearInterval(timer);
      sink.write(CLEAR_LINE);
    },
  };
}

export function startProgress(sink: Sink, label: string, total: number): Progress {
  let seen = 0;
  let drawnAt = 0;
  const draw = () => {
    const ratio = total > 0 ? Math.min(1, seen / total) : 1;
    const filled = Math.round(ratio * BAR_WIDTH);
    const bar = '█'.repeat(filled) + '░'.repeat(BAR_WIDTH - filled);
    sink.write(`${CLEAR_LINE}${label} ${bar} ${Math.floor(ratio * 100)}% ${formatBytes(seen)} / ${formatBytes(total)}`);
  };
  draw();
  return {
    advance(bytes) {
      seen += bytes;
      const now = Date.now();
      if (now - drawnAt >= REDRAW_MS) {
        drawnAt = now;
        draw();
      }
    },
    done() {
      sink.write(CLEAR_LINE);
    },
  };
}
