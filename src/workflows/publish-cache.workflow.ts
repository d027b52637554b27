// Publishes one L1 cache item as an asset, verified the same way as a run output. Id: publish-cache:<l1>:<hash>.
import { proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { AssetType } from '../domain/asset-rules.js';
import type { AssetView } from '../services/asset-view.js';
import { jobStepQuery, type JobStep } from './record-run.workflow.js';
import { startPinning } from './pin-asset.workflow.js';
import { l1RetryPolicy } from './retry-policies.js';

export interface PublishCacheInput {
  username: string;
  l1Server: string;
  contentHash: string;
  name: string;
  assetType: AssetType | null;
  tags: string[];
  description: string | null;
}

const transfer = proxyActivities<Activities>({
  startToCloseTimeout: '6 hours',
  heartbeatTimeout: '2 minutes',
  scheduleToCloseTimeout: '12 hours',
  retry: l1RetryPolicy,
});
const database = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '5 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

export async function publishCacheWorkflow(input: PublishCacheInput): Promise<AssetView> {
  let step: JobStep = 'checking';
  setHandler(jobStepQuery, () => step);

  const target = { username: input.username, name: input.name, contentHash: input.contentHash, l1Server: input.l1Server, runId: null };
  const existing = await database.precheckRegistration(target);
  if (existing) {
    step = 'completed';
    return existing;
  }
  step = 'fetching_output';
  const content = await transfer.storeL1Content({ l1Server: input.l1Server, contentHash: input.contentHash, username: input.username });
  step = 'registering';
  const asset = await database.registerCacheItem({
    username: input.username,
    l1Server: input.l1Server,
    name: input.name,
    assetType: input.assetType,
    tags: input.tags,
    description: input.description,
    content,
  });
  await startPinning(asset.content_hash);
  step = 'completed';
  return asset;
}
