// The structured (JSON) logger; secrets in known fields are redacted wherever they appear.
import pino, { type Logger } from 'pino';

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { app: 'artdag-l2' },
      redact: {
        paths: ['password', '*.password', 'access_token', '*.access_token', 'authorization', '*.authorization', 'headers.cookie'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
