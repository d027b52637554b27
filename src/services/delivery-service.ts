// Starts the delivery of planned activities. Delivery rows are written in the same transaction as the
// activity; starting the workflow afterwards can fail, so a scheduled sweep restarts any that never began.
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Repositories } from '../db/repositories/index.js';

export class DeliveryService {
  constructor(
    private readonly client: Client,
    private readonly repos: Repositories,
    private readonly taskQueue: string,
    private readonly retryDelays: number[],
    private readonly logger: Logger,
  ) {}

  /** Starts (or finds running) the fan-out of each activity; never throws: the sweep is the safety net. */
  async start(activities: { id: number; activityId: string }[]): Promise<void> {
    for (const activity of activities) {
      try {
        await this.client.workflow.start('deliverActivityWorkflow', {
          taskQueue: this.taskQueue,
          workflowId: `deliver:${activity.activityId}`,
          args: [{ activityId: activity.id, activityUrl: activity.activityId, retryDelays: this.retryDelays }],
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        });
      } catch (err) {
        this.logger.warn({ err, activity: activity.activityId }, 'could not start delivery now; the sweep will retry');
      }
    }
  }

  /**
   * Starts the retries of hosts whose first attempt failed: one deliverToHost workflow per host (id
   * deliver:<activity>:<host>, deduplicated by Temporal), started with parallel client calls rather than as
   * child workflows, because a parent applies child starts one at a time (about 20 ms each on the dev server).
   */
  async startHosts(input: {
    activityId: number;
    activityUrl: string;
    hosts: { host: string; waitSeconds: number }[];
    retryDelays: number[];
  }): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < input.hosts.length) {
        const { host, waitSeconds } = input.hosts[next++]!;
        await this.client.workflow.start('deliverToHostWorkflow', {
          taskQueue: this.taskQueue,
          workflowId: `deliver:${input.activityUrl}:${host}`,
          args: [{ activityId: input.activityId, host, retryDelays: input.retryDelays, firstAttempt: 1, initialWaitSeconds: waitSeconds }],
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(32, input.hosts.length) }, worker));
  }

  /** Restarts fan-outs whose deliveries were planned but never attempted. */
  async sweep(olderThanMs = 60_000, limit = 200): Promise<number> {
    const stranded = await this.repos.deliveries.stranded(olderThanMs, limit);
    const rows = await Promise.all(stranded.map((id) => this.repos.activities.findBySequence(id)));
    await this.start(rows.filter((r) => r !== null).map((r) => ({ id: r.id, activityId: r.activity_id })));
    return stranded.length;
  }
}
