// Delivers one activity to every pending inbox on one host, retrying on a schedule of days (with jitter)
// and honouring Retry-After; the last attempt closes whatever is still pending as failed.
import { proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';

export interface DeliverToHostInput {
  activityId: number;
  host: string;
  retryDelays: number[];
  /** Attempts already made (the fan-out makes the first), and how long to wait before the next. */
  firstAttempt?: number;
  initialWaitSeconds?: number;
}

const { deliveryRound } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes' },
});

export async function deliverToHostWorkflow(input: DeliverToHostInput): Promise<{ attempts: number }> {
  if (input.initialWaitSeconds) await sleep(input.initialWaitSeconds * 1000);
  for (let attempt = input.firstAttempt ?? 0; ; attempt++) {
    const base = input.retryDelays[attempt];
    // Deterministic in workflows: Math.random is seeded per run. ±10 % spreads retries of many hosts apart.
    const retryInSeconds = base === undefined ? null : base * (0.9 + Math.random() * 0.2);
    const round = await deliveryRound({ activityId: input.activityId, host: input.host, retryInSeconds });
    if (round.pending === 0) return { attempts: attempt + 1 };
    await sleep(round.waitSeconds * 1000);
  }
}
