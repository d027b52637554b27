// The structured (JSON) logger. Request logs carry only method, path, status and timing; nothing logs
// bodies or headers, so secrets never reach a log line (no per-line redaction pass needed).
import pino, { type Logger } from 'pino';

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { app: 'artdag-l2' } }, destination);
}
