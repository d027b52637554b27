// Waits for Bitcoin: asks the calendars for the upgraded proof on durable timers (every 10 minutes for the
// first hour, hourly for two days, then daily for eight weeks). The `upgradeNow` update tries at once and
// answers with what happened; confirmation or a proven mismatch ends the workflow.
import { allHandlersFinished, condition, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { UpgradeResult } from '../services/anchors-service.js';

export const upgradeNowUpdate = defineUpdate<UpgradeResult>('upgradeNow');

const { upgradeAnchor } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '10 seconds', maximumInterval: '10 minutes' },
});

function delayMs(attempt: number): number | null {
  if (attempt < 6) return 10 * 60_000;
  if (attempt < 6 + 48) return 3600_000;
  if (attempt < 6 + 48 + 56) return 24 * 3600_000;
  return null;
}

export async function confirmAnchorWorkflow(input: { merkleRoot: string }): Promise<UpgradeResult> {
  let wake = false;
  setHandler(upgradeNowUpdate, async () => {
    const result = await upgradeAnchor({ merkleRoot: input.merkleRoot });
    wake = true;
    return result;
  });
  for (let attempt = 0; ; attempt++) {
    const result = await upgradeAnchor({ merkleRoot: input.merkleRoot });
    const delay = delayMs(attempt);
    if (result.status === 'confirmed' || result.status === 'invalid' || delay === null) {
      // An upgradeNow running at the same time must answer its caller before the workflow ends.
      await condition(allHandlersFinished);
      return result;
    }
    wake = false;
    await condition(() => wake, delay);
  }
}
