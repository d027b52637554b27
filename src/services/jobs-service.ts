// Long jobs (record-run, publish-cache) as Temporal workflows: start or attach by natural key, wait a
// bounded time for the result, and report status (step, retries, last error) for the status URL.
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { AppError, Conflict, NotFound } from '../domain/errors.js';
import { appErrorFrom } from '../temporal/failures.js';
import type { PublishCacheInput } from '../workflows/publish-cache.workflow.js';
import type { JobStep, RecordRunInput } from '../workflows/record-run.workflow.js';
import type { AssetView } from './asset-view.js';

export type JobKind = 'record-run' | 'publish-cache';

export interface JobStatus {
  job_id: string;
  kind: JobKind;
  status: 'running' | 'retrying' | 'completed' | 'failed' | 'cancelled';
  step: JobStep | null;
  attempt: number | null;
  last_error: string | null;
  started_at: string | null;
  closed_at: string | null;
  result?: AssetView;
  error?: { status: number; code: string; message: string };
  status_url: string;
}

const WORKFLOW_TYPE: Record<JobKind, string> = { 'record-run': 'recordRunWorkflow', 'publish-cache': 'publishCacheWorkflow' };

export function statusUrl(jobId: string): string {
  return `/jobs/${encodeURIComponent(jobId)}`;
}

export class JobsService {
  constructor(
    readonly client: Client,
    readonly taskQueue: string,
  ) {}

  recordRun(input: RecordRunInput): Promise<WorkflowHandle> {
    return this.start('record-run', `record-run:${input.l1Server}:${input.runId}`, input.username, [input]);
  }

  publishCache(input: PublishCacheInput): Promise<WorkflowHandle> {
    return this.start('publish-cache', `publish-cache:${input.l1Server}:${input.contentHash}`, input.username, [input]);
  }

  /** Pins an asset's bytes to its owner's providers (id pin:<hash>; a running pin job is reused). */
  async startPin(contentHash: string): Promise<void> {
    await this.client.workflow.start('pinAssetWorkflow', {
      taskQueue: this.taskQueue,
      workflowId: `pin:${contentHash}`,
      args: [{ contentHash }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    });
  }

  /** Starts the job, or attaches to the one already running or completed under the same id. */
  private async start(kind: JobKind, workflowId: string, username: string, args: unknown[]): Promise<WorkflowHandle> {
    let handle: WorkflowHandle;
    try {
      handle = await this.client.workflow.start(WORKFLOW_TYPE[kind], {
        taskQueue: this.taskQueue,
        workflowId,
        args,
        memo: { username, kind },
        workflowIdConflictPolicy: 'USE_EXISTING',
        // A failed job can be tried again; a completed one answers with its result.
        workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      handle = this.client.workflow.getHandle(workflowId);
    }
    const description = await handle.describe();
    if (description.memo?.username !== username) {
      throw new Conflict(`This ${kind} job (${workflowId}) belongs to another user.`, { job_id: workflowId }, 'job_owned_by_another');
    }
    return handle;
  }

  /** The workflow's result if it finishes within `seconds` (done: false if still running); throws its error if it failed. */
  async result<T>(handle: WorkflowHandle, seconds: number): Promise<{ done: true; value: T } | { done: false }> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), seconds * 1000);
    try {
      return { done: true, value: (await this.client.withAbortSignal(abort.signal, () => handle.result())) as T };
    } catch (err) {
      if (abort.signal.aborted) return { done: false };
      throw this.jobError(err);
    } finally {
      clearTimeout(timer);
    }
  }

  async status(jobId: string, username: string): Promise<JobStatus> {
    const handle = this.client.workflow.getHandle(jobId);
    let description;
    try {
      description = await handle.describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new NotFound(`No job "${jobId}".`);
      throw err;
    }
    if (description.memo?.username !== username) throw new NotFound(`No job "${jobId}".`);
    const kind = description.memo.kind as JobKind;
    const pending = description.raw.pendingActivities?.[0];
    const attempt = pending?.attempt ?? null;
    const status: JobStatus = {
      job_id: jobId,
      kind,
      status: 'running',
      step: null,
      attempt,
      last_error: pending?.lastFailure?.message ?? null,
      started_at: description.startTime.toISOString(),
      closed_at: description.closeTime?.toISOString() ?? null,
      status_url: statusUrl(jobId),
    };
    switch (description.status.name) {
      case 'RUNNING':
        status.status = attempt !== null && attempt > 1 ? 'retrying' : 'running';
        status.step = await handle.query<JobStep>('step').catch(() => null);
        return status;
      case 'COMPLETED':
        return { ...status, status: 'completed', step: 'completed', result: (await handle.result()) as AssetView };
      case 'FAILED':
      case 'TIMED_OUT':
      case 'TERMINATED': {
        const error = await handle.result().then(
          () => null,
          (err: unknown) => this.jobError(err),
        );
        return {
          ...status,
          status: 'failed',
          error: error ? { status: error.status, code: error.code, message: error.message } : undefined,
        };
      }
      default:
        return { ...status, status: 'cancelled' };
    }
  }

  private jobError(err: unknown): AppError {
    const typed = appErrorFrom(err);
    if (typed) return typed;
    if (err instanceof WorkflowFailedError) {
      return new AppError(502, 'job_failed', `The job failed: ${err.cause?.message ?? err.message}`);
    }
    return err instanceof AppError ? err : new AppError(500, 'job_failed', `The job failed: ${(err as Error).message}`);
  }
}
