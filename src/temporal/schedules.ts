// Temporal Schedules for recurring work; created once, left alone when they already exist.
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';

export const PURGE_SCHEDULE_ID = 'purge-expired-revocations';
export const SWEEP_SCHEDULE_ID = 'sweep-deliveries';
export const ANCHOR_SCHEDULE_ID = 'anchor-batch';

export async function ensureSchedules(client: Client, taskQueue: string, anchorIntervalSeconds: number): Promise<void> {
  const schedules = [
    { scheduleId: PURGE_SCHEDULE_ID, everyMs: 24 * 3600_000, workflowType: 'purgeExpiredRevocationsWorkflow' },
    { scheduleId: SWEEP_SCHEDULE_ID, everyMs: 60_000, workflowType: 'sweepDeliveriesWorkflow' },
    { scheduleId: ANCHOR_SCHEDULE_ID, everyMs: anchorIntervalSeconds * 1000, workflowType: 'anchorBatchWorkflow' },
  ];
  for (const { scheduleId, everyMs, workflowType } of schedules) {
    try {
      await client.schedule.create({
        scheduleId,
        spec: { intervals: [{ every: everyMs }] },
        action: { type: 'startWorkflow', workflowType, taskQueue, workflowId: scheduleId },
        policies: { overlap: ScheduleOverlapPolicy.SKIP },
      });
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    }
  }
}
