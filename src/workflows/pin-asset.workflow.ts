// Pins an asset to every enabled provider of its owner, each with its own retries; a provider that keeps
// failing is recorded as failed, and the others are not held up by it. Id: pin:<content_hash>.
import { ParentClosePolicy, proxyActivities, startChild } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';

const { planPins, recordPinFailure } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumInterval: '1 minute' },
});
const { pinToProvider } = proxyActivities<Activities>({
  startToCloseTimeout: '6 hours',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 3, maximumInterval: '30 minutes', maximumAttempts: 8 },
});

export async function pinAssetWorkflow(input: { contentHash: string }): Promise<{ pinned: number; failed: number }> {
  const providerIds = await planPins({ contentHash: input.contentHash });
  const outcomes = await Promise.all(
    providerIds.map(async (providerId) => {
      try {
        await pinToProvider({ contentHash: input.contentHash, providerId });
        return true;
      } catch (err) {
        const cause = (err as { cause?: Error }).cause;
        await recordPinFailure({ contentHash: input.contentHash, providerId, error: cause?.message ?? (err as Error).message });
        return false;
      }
    }),
  );
  return { pinned: outcomes.filter(Boolean).length, failed: outcomes.filter((ok) => !ok).length };
}

/** Starts pinning from another workflow and leaves it to run on its own. */
export async function startPinning(contentHash: string): Promise<void> {
  try {
    await startChild(pinAssetWorkflow, {
      workflowId: `pin:${contentHash}`,
      args: [{ contentHash }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch (err) {
    if ((err as Error).name !== 'WorkflowExecutionAlreadyStartedError') throw err;
  }
}
