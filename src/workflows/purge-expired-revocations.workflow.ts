// Housekeeping run by Temporal Schedules: drop revocations whose tokens have expired (daily), and restart
// deliveries whose fan-out never started (every minute).
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';

const { purgeExpiredRevocations, sweepStrandedDeliveries } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 5, initialInterval: '5 seconds' },
});

export async function purgeExpiredRevocationsWorkflow(): Promise<{ purged: number }> {
  return await purgeExpiredRevocations();
}

export async function sweepDeliveriesWorkflow(): Promise<{ restarted: number }> {
  return await sweepStrandedDeliveries();
}
