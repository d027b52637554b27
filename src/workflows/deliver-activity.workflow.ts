// Fans one activity out: a first attempt to every remote host (many hosts at once, inside activities), then
// one deliverToHost workflow (deliver:<activity>:<host>) per host that still has deliveries pending, retrying
// on its own schedule of days. Pages through hosts and continues-as-new for very large audiences.
import { continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';

export interface DeliverActivityInput {
  activityId: number;
  activityUrl: string;
  /** Base delays between attempts, in seconds. */
  retryDelays: number[];
  afterHost?: string | null;
}

const HOSTS_PER_PAGE = 200;
const HOSTS_PER_RUN = 2000;

const { pendingDeliveryHosts, deliverFirstRound } = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { maximumInterval: '1 minute' },
});

export async function deliverActivityWorkflow(input: DeliverActivityInput): Promise<{ hosts: number }> {
  let after = input.afterHost ?? null;
  let started = 0;
  for (;;) {
    const hosts = await pendingDeliveryHosts({ activityId: input.activityId, afterHost: after, limit: HOSTS_PER_PAGE });
    if (hosts.length === 0) return { hosts: started };
    // After a crash this step runs again: delivered inboxes are no longer pending, and retry workflows dedupe by id.
    await deliverFirstRound({ activityId: input.activityId, activityUrl: input.activityUrl, hosts, retryDelays: input.retryDelays });
    started += hosts.length;
    after = hosts[hosts.length - 1]!;
    if (started >= HOSTS_PER_RUN || workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof deliverActivityWorkflow>({ ...input, afterHost: after });
    }
  }
}
