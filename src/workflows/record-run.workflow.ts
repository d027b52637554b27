// Records an L1 run as an asset: read the run, check it can be registered, copy and verify the output,
// then register output, inputs and their Creates in one transaction. Id: record-run:<l1>:<run_id>.
import { defineQuery, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { AssetType } from '../domain/asset-rules.js';
import type { AssetView } from '../services/asset-view.js';
import { startPinning } from './pin-asset.workflow.js';
import { l1RetryPolicy } from './retry-policies.js';

export interface RecordRunInput {
  username: string;
  l1Server: string;
  runId: string;
  outputName: string;
  assetType: AssetType | null;
  tags: string[];
  description: string | null;
}

export type JobStep = 'fetching_run' | 'checking' | 'fetching_output' | 'registering' | 'completed';
export const jobStepQuery = defineQuery<JobStep>('step');

const l1 = proxyActivities<Activities>({ startToCloseTimeout: '2 minutes', scheduleToCloseTimeout: '1 hour', retry: l1RetryPolicy });
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

export async function recordRunWorkflow(input: RecordRunInput): Promise<AssetView> {
  let step: JobStep = 'fetching_run';
  setHandler(jobStepQuery, () => step);

  const run = await l1.fetchL1Run({ l1Server: input.l1Server, runId: input.runId, username: input.username });
  step = 'checking';
  const existing = await database.precheckRegistration({
    username: input.username,
    name: input.outputName,
    contentHash: run.output_hash,
    l1Server: input.l1Server,
    runId: run.run_id,
  });
  if (existing) {
    step = 'completed';
    return existing;
  }
  step = 'fetching_output';
  const content = await transfer.storeL1Content({ l1Server: input.l1Server, contentHash: run.output_hash, username: input.username });
  step = 'registering';
  const asset = await database.registerRunOutput({
    username: input.username,
    l1Server: input.l1Server,
    name: input.outputName,
    assetType: input.assetType,
    tags: input.tags,
    description: input.description,
    content,
    run,
  });
  await startPinning(asset.content_hash);
  step = 'completed';
  return asset;
}
