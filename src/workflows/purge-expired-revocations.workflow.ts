// Daily housekeeping run by a Temporal Schedule: drop revocations whose tokens have expired.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';

const { purgeExpiredRevocations } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 5, initialInterval: '5 seconds' },
});

export async function purgeExpiredRevocationsWorkflow(): Promise<{ purged: number }> {
  return await purgeExpiredRevocations();
}
