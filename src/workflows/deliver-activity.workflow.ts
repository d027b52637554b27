// Fans one activity out: one child workflow per remote host (deliver:<activity>:<host>), started and left
// to retry on its own schedule; pages through hosts and continues-as-new for very large audiences.
import { continueAsNew, ParentClosePolicy, proxyActivities, startChild, WorkflowIdReusePolicy, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { deliverToHostWorkflow } from './deliver-to-host.workflow.js';

export interface DeliverActivityInput {
  activityId: number;
  activityUrl: string;
  /** Base delays between attempts, in seconds. */
  retryDelays: number[];
  afterHost?: string | null;
}

const HOSTS_PER_PAGE = 100;
const HOSTS_PER_RUN = 1000;

const { pendingDeliveryHosts } = proxyActivities<Activities>({ startToCloseTimeout: '1 minute', retry: { maximumInterval: '1 minute' } });

export async function deliverActivityWorkflow(input: DeliverActivityInput): Promise<{ hosts: number }> {
  let after = input.afterHost ?? null;
  let started = 0;
  for (;;) {
    const hosts = await pendingDeliveryHosts({ activityId: input.activityId, afterHost: after, limit: HOSTS_PER_PAGE });
    if (hosts.length === 0) return { hosts: started };
    for (const host of hosts) {
      try {
        await startChild(deliverToHostWorkflow, {
          workflowId: `deliver:${input.activityUrl}:${host}`,
          args: [{ activityId: input.activityId, host, retryDelays: input.retryDelays }],
          // Each host retries for days on its own; this fan-out does not wait for them.
          parentClosePolicy: ParentClosePolicy.ABANDON,
          workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        });
      } catch (err) {
        // Already delivering to this host (a re-run of the fan-out): that child carries on.
        if ((err as Error).name !== 'WorkflowExecutionAlreadyStartedError') throw err;
      }
    }
    started += hosts.length;
    after = hosts[hosts.length - 1]!;
    if (started >= HOSTS_PER_RUN || workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof deliverActivityWorkflow>({ ...input, afterHost: after });
    }
  }
}
