// Anchoring endpoints (seed shapes): create a batch, list and inspect anchors, verify an activity, upgrade,
// test the calendars, the page (anchors.pages.ts), and the .ots files of roots and activities.
import { WorkflowNotFoundError } from '@temporalio/client';
import { BadRequest, NotFound } from '../../../domain/errors.js';
import { describeOp } from '../../../domain/ots/index.js';
import type { AnchorRow } from '../../../db/repositories/anchors-repository.js';
import type { ActivityRow } from '../../../db/repositories/activities-repository.js';
import type { Services } from '../../../services/index.js';
import type { UpgradeResult } from '../../../services/anchors-service.js';
import type { AppContext, AppRouter } from '../../context.js';
import { requireSession } from '../../middleware/authenticate.js';
import { wantsHtml } from '../../negotiate.js';
import { decodeCursor, nextCursor } from '../../pagination.js';
import { createAnchorQuery, listAnchorsQuery, merkleRoot, treeQuery } from './anchors.schema.js';
import { anchorsPages } from './anchors.pages.js';
import { validate } from '../../validate.js';
import type { Views } from '../../views.js';

const OTS_TYPE = 'application/vnd.opentimestamps.v1';

/** The id of the on-demand anchoring workflow of the deployment serving `taskQueue`. */
export function onDemandAnchorWorkflowId(taskQueue: string): string {
  return `anchor-batch:on-demand:${taskQueue}`;
}

export function anchorView(anchor: AnchorRow) {
  return {
    merkle_root: anchor.merkle_root,
    previous_root: anchor.previous_root,
    leaf_count: anchor.leaf_count,
    status: anchor.status,
    created_at: anchor.created_at.toISOString(),
    stamped_at: anchor.stamped_at?.toISOString() ?? null,
    bitcoin_block: anchor.bitcoin_block,
    block_time: anchor.block_time?.toISOString() ?? null,
    verified_at: anchor.verified_at?.toISOString() ?? null,
    confirmed_at: anchor.confirmed_at?.toISOString() ?? null,
    calendars: anchor.calendars,
    last_error: anchor.last_error,
    upgrade_attempts: anchor.upgrade_attempts,
    ots_url: `/anchors/${anchor.merkle_root}/ots`,
    tree_url: `/anchors/${anchor.merkle_root}/tree`,
  };
}

export function anchorsRoutes(router: AppRouter, deps: { services: Services; views: Views }): void {
  const { services, views } = deps;
  const { repos, anchors } = services;
  const temporal = services.jobs.client;

  async function anchorFor(ctx: AppContext): Promise<AnchorRow> {
    const root = validate(merkleRoot, ctx.params.root, 'path');
    const anchor = await repos.anchors.find(root);
    if (!anchor) throw new NotFound(`No anchor with merkle root ${root}.`);
    return anchor;
  }

  async function activityFor(ref: string): Promise<ActivityRow> {
    const row = await repos.activities.findByRef(ref);
    if (!row) throw new NotFound(`No activity "${ref}": use its id, its uuid or its sequence number.`);
    return row;
  }

  function sendOts(ctx: AppContext, bytes: Buffer, filename: string): void {
    ctx.type = OTS_TYPE;
    ctx.set('Content-Disposition', `attachment; filename="${filename}"`);
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = bytes;
  }

  router.post('/anchors/create', async (ctx) => {
    await requireSession(ctx);
    const { wait } = validate(createAnchorQuery, ctx.query, 'query');
    const handle = await temporal.workflow.start('anchorBatchWorkflow', {
      taskQueue: services.jobs.taskQueue,
      // One on-demand batch at a time per deployment (its task queue); deployments may share a namespace.
      workflowId: onDemandAnchorWorkflowId(services.jobs.taskQueue),
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    });
    const outcome = await services.jobs.result<{ merkleRoot: string } | null>(handle, wait);
    if (wantsHtml(ctx)) {
      // A browser form: back to the page with a fixed notice (PRG).
      const notice = !outcome.done ? 'waiting' : outcome.value === null ? 'nothing' : 'created';
      ctx.status = 303;
      return ctx.redirect(`/anchors/ui?notice=${notice}`);
    }
    if (!outcome.done) {
      ctx.status = 202;
      ctx.body = { status: 'running', message: 'The batch is waiting for enough calendars to answer; see /anchors.' };
    } else if (outcome.value === null) {
      ctx.body = { anchor: null, message: 'Every activity is already anchored.' };
    } else {
      ctx.status = 201;
      ctx.body = anchorView((await repos.anchors.find(outcome.value.merkleRoot))!);
    }
  });

  router.post('/anchors/test-ots', async (ctx) => {
    await requireSession(ctx);
    ctx.body = { calendars: await anchors.testCalendars() };
  });

  router.get('/anchors', async (ctx) => {
    const query = validate(listAnchorsQuery, ctx.query, 'query');
    const rows = await repos.anchors.page(query.limit, decodeCursor(query.cursor));
    ctx.body = { items: rows.map(anchorView), next_cursor: nextCursor(rows, query.limit) };
  });

  // The page, before /anchors/:root so that 'ui' is never taken for a root.
  anchorsPages(router, { services, views });

  router.get('/anchors/verify/:ref', async (ctx) => {
    const activity = await activityFor(ctx.params.ref!);
    const proof = await anchors.activityProof(activity.id);
    if (!proof) throw new NotFound(`Activity ${activity.activity_id} is not anchored yet; it will be in the next batch.`);
    ctx.body = {
      activity_id: activity.activity_id,
      merkle_root: proof.anchor.merkle_root,
      status: proof.anchor.status,
      bitcoin_block: proof.anchor.bitcoin_block,
      block_time: proof.anchor.block_time?.toISOString() ?? null,
      verified_at: proof.anchor.verified_at?.toISOString() ?? null,
      leaf: 'sha256 of the activity bytes served at /activities/{id}',
      proof: proof.path.map(describeOp),
      ots_url: `/activities/${activity.uuid}/ots`,
    };
  });

  router.get('/anchors/:root', async (ctx) => {
    const anchor = await anchorFor(ctx);
    ctx.vary('Accept');
    if (wantsHtml(ctx)) return ctx.redirect(`/anchors/ui?root=${anchor.merkle_root}`);
    ctx.body = anchorView(anchor);
  });

  router.get('/anchors/:root/tree', async (ctx) => {
    const anchor = await anchorFor(ctx);
    const query = validate(treeQuery, ctx.query, 'query');
    const leaves = await repos.anchors.leafPage(anchor.id, query.offset, query.limit);
    ctx.body = {
      merkle_root: anchor.merkle_root,
      leaf_count: anchor.leaf_count,
      previous_root: anchor.previous_root,
      leaves: [
        ...(anchor.previous_root && query.offset === 0 ? [{ index: 0, previous_root: anchor.previous_root }] : []),
        ...leaves.map((l) => ({ index: l.leaf_index, activity_id: l.activity_id, leaf_hash: l.leaf_hash.toString('hex') })),
      ],
    };
  });

  router.get('/anchors/:root/ots', async (ctx) => {
    const anchor = await anchorFor(ctx);
    sendOts(ctx, anchors.rootOts(anchor), `${anchor.merkle_root}.ots`);
  });

  router.post('/anchors/:root/upgrade', async (ctx) => {
    await requireSession(ctx);
    const anchor = await anchorFor(ctx);
    if (anchor.status === 'created')
      throw new BadRequest('This anchor is not stamped on the calendars yet; nothing to upgrade.', undefined, 'not_stamped');
    const workflowId = `confirm-anchor:${anchor.merkle_root}`;
    let result: UpgradeResult;
    try {
      result = await temporal.workflow.getHandle(workflowId).executeUpdate('upgradeNow');
    } catch (err) {
      // The waiting workflow has ended (confirmed, or out of its schedule): upgrade directly.
      if (!(err instanceof WorkflowNotFoundError) && !/completed|closed/i.test((err as Error).message)) throw err;
      result = await anchors.upgrade(anchor.merkle_root);
    }
    if (wantsHtml(ctx)) {
      ctx.status = 303;
      const notice = result.status === 'confirmed' ? 'confirmed' : 'still-pending';
      return ctx.redirect(`/anchors/ui?root=${anchor.merkle_root}&notice=${notice}`);
    }
    ctx.body = { ...result, anchor: anchorView((await repos.anchors.find(anchor.merkle_root))!) };
  });

  router.get('/activities/:ref/ots', async (ctx) => {
    const activity = await activityFor(ctx.params.ref!);
    const proof = await anchors.activityProof(activity.id);
    if (!proof) throw new NotFound(`Activity ${activity.activity_id} is not anchored yet; it will be in the next batch.`);
    sendOts(ctx, proof.ots, `${activity.uuid}.json.ots`);
  });
}
