// Installs the Temporal SDK runtime once, sending its logs through our logger at warn level and above.
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from 'pino';

let installed = false;

export function installTemporalRuntime(logger: Logger): void {
  if (installed) return;
  installed = true;
  const levels: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
    TRACE: 'trace',
    DEBUG: 'debug',
    INFO: 'info',
    WARN: 'warn',
    ERROR: 'error',
  };
  Runtime.install({
    logger: new DefaultLogger('WARN', (entry) => {
      logger[levels[entry.level]]({ temporal: entry.meta }, entry.message);
    }),
  });
}
