// Heartbeats on a timer while work runs, so Temporal notices a dead worker within the heartbeat timeout
// even when the work itself (a slow POST, a lock wait) gives no natural place to heartbeat.
import { Context } from '@temporalio/activity';

export async function heartbeating<T>(work: () => Promise<T>, everyMs = 1000): Promise<T> {
  const timer = setInterval(() => Context.current().heartbeat(), everyMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
