// Starting long asset jobs: answer 201 with the asset when it is ready within `wait` seconds, else 202 with
// a status URL. A repeated or concurrent request attaches to the same job and gets the same asset.
import type { WorkflowHandle } from '@temporalio/client';
import type { Config } from '../../../config.js';
import { Forbidden } from '../../../domain/errors.js';
import type { Services } from '../../../services/index.js';
import type { AssetView } from '../../../services/asset-view.js';
import { statusUrl } from '../../../services/jobs-service.js';
import type { AppContext, AppRouter } from '../../context.js';
import { requireSession } from '../../middleware/authenticate.js';
import { bodyOf, validate } from '../../validate.js';
import { publishCacheBody, recordRunBody, waitQuery } from './jobs.schema.js';

export function jobsRoutes(router: AppRouter, deps: { services: Services; config: Config }): void {
  const { jobs } = deps.services;

  function allowedL1(l1: string): void {
    if (!deps.config.l1Servers.includes(l1)) {
      throw new Forbidden(`L1 server ${l1} is not trusted by this L2 (it is not in L1_SERVERS).`, 'l1_not_allowed');
    }
  }

  async function answer(ctx: AppContext, handle: WorkflowHandle, bodyWait: number | undefined): Promise<void> {
    const wait = bodyWait ?? validate(waitQuery, ctx.query, 'query').wait ?? 20;
    const outcome = await jobs.result<AssetView>(handle, wait);
    if (outcome.done) {
      const asset = outcome.value;
      ctx.status = 201;
      ctx.set('Location', `/assets/${asset.name}`);
      ctx.body = asset;
      return;
    }
    ctx.status = 202;
    ctx.set('Location', statusUrl(handle.workflowId));
    ctx.body = { status: 'running', job_id: handle.workflowId, status_url: statusUrl(handle.workflowId) };
  }

  router.post('/assets/record-run', async (ctx) => {
    const session = await requireSession(ctx);
    const input = validate(recordRunBody, bodyOf(ctx));
    allowedL1(input.l1_server);
    const handle = await jobs.recordRun({
      username: session.user.username,
      l1Server: input.l1_server,
      runId: input.run_id,
      outputName: input.output_name,
      assetType: input.asset_type ?? null,
      tags: input.tags ?? [],
      description: input.description ?? null,
    });
    await answer(ctx, handle, input.wait);
  });

  router.post('/assets/publish-cache', async (ctx) => {
    const session = await requireSession(ctx);
    const input = validate(publishCacheBody, bodyOf(ctx));
    allowedL1(input.l1_server);
    const handle = await jobs.publishCache({
      username: session.user.username,
      l1Server: input.l1_server,
      contentHash: input.content_hash,
      name: input.name,
      assetType: input.asset_type ?? null,
      tags: input.tags ?? [],
      description: input.description ?? null,
    });
    await answer(ctx, handle, input.wait);
  });

  router.get('/jobs/:id', async (ctx) => {
    const session = await requireSession(ctx);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await jobs.status(ctx.params.id!, session.user.username);
  });
}
