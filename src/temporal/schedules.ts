// Temporal Schedules for recurring work; created once, left alone when they already exist.
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';

export const PURGE_SCHEDULE_ID = 'purge-expired-revocations';

export async function ensureSchedules(client: Client, taskQueue: string): Promise<void> {
  try {
    await client.schedule.create({
      scheduleId: PURGE_SCHEDULE_ID,
      spec: { intervals: [{ every: '1 day' }] },
      action: {
        type: 'startWorkflow',
        workflowType: 'purgeExpiredRevocationsWorkflow',
        taskQueue,
        workflowId: 'purge-expired-revocations',
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
}
