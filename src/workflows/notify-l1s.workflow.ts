// Delivers one decision to several L1s (federated logout: logout:<user>:<jti>; detach: detach:…), each with
// retries over hours, so an L1 that is down for a while still hears of it when it comes back.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';

const { notifyL1 } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '72 hours',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 hour' },
});
const { markNotificationFailed } = proxyActivities<Activities>({ startToCloseTimeout: '1 minute' });

export interface NotifyL1sInput {
  kind: 'revoke' | 'revoke-user';
  reference: string;
  l1s: string[];
  username: string;
}

export async function notifyL1sWorkflow(input: NotifyL1sInput): Promise<{ done: number; failed: number }> {
  const results = await Promise.all(
    input.l1s.map(async (l1) => {
      const target = { kind: input.kind, reference: input.reference, l1, username: input.username };
      try {
        return (await notifyL1(target)) === 'done';
      } catch (err) {
        const cause = (err as { cause?: Error }).cause;
        await markNotificationFailed({ ...target, error: cause?.message ?? (err as Error).message });
        return false;
      }
    }),
  );
  return { done: results.filter(Boolean).length, failed: results.filter((ok) => !ok).length };
}
