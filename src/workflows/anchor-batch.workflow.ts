// Run by a Temporal Schedule (ANCHOR_INTERVAL) and by POST /anchors/create: batch the unanchored activities,
// stamp the root on the calendars (retried for as long as it takes), then hand over to confirm-anchor:<root>.
import { ParentClosePolicy, proxyActivities, startChild, WorkflowIdReusePolicy } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { confirmAnchorWorkflow } from './confirm-anchor.workflow.js';

const { createAnchor } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { maximumInterval: '1 minute' },
});

// Calendars may be down for hours; the anchor waits as `created` and is stamped when they answer.
const { stampAnchor } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '30 minutes' },
});

export async function anchorBatchWorkflow(): Promise<{ merkleRoot: string; leafCount: number } | null> {
  const anchor = await createAnchor();
  if (!anchor) return null;
  await stampAnchor({ merkleRoot: anchor.merkleRoot });
  try {
    await startChild(confirmAnchorWorkflow, {
      workflowId: `confirm-anchor:${anchor.merkleRoot}`,
      args: [{ merkleRoot: anchor.merkleRoot }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
    });
  } catch (err) {
    if ((err as Error).name !== 'WorkflowExecutionAlreadyStartedError') throw err;
  }
  return anchor;
}
