// `artdag record-run` and `artdag publish-cache`: start an L2 job that fetches and verifies content from an L1,
// then follow its status URL (with a spinner) until the asset is recorded, the job fails, or time runs out.
import { intOption } from '../args.js';
import { stringValue, type Command, type Context, type OptionSpec, type Values } from '../command.js';
import { ApiError, CliError, EXIT } from '../errors.js';
import { describeAsset, type Asset } from './asset-view.js';

interface JobStatus {
  job_id: string;
  status: 'running' | 'retrying' | 'completed' | 'failed' | 'cancelled';
  step: string | null;
  attempt: number | null;
  last_error: string | null;
  result?: Asset;
  error?: { status?: number; code: string; message: string };
  status_url: string;
}

interface Started {
  status: string;
  job_id: string;
  status_url: string;
}

const POLL_MS = 2000;
const DEFAULT_WAIT_TOTAL_S = 600;

const waitOptions: Record<string, OptionSpec> = {
  type: { type: 'string', value: 'TYPE', help: 'the asset type (default: what the L1 reports)' },
  tags: { type: 'string', value: 'a,b', help: 'comma-separated tags' },
  description: { type: 'string', value: 'TEXT', help: 'a description' },
  wait: { type: 'string', value: 'S', help: 'seconds the server waits before answering "still running", 0 to 60 (default 20)' },
  'wait-total': { type: 'string', value: 'S', help: `seconds to follow a running job before giving up (default ${DEFAULT_WAIT_TOTAL_S})` },
  'no-wait': { type: 'boolean', help: 'start the job and print its id and status URL without following it' },
};

function describeProgress(job: JobStatus): string {
  const retry = job.status === 'retrying' ? ` (attempt ${job.attempt}${job.last_error ? `: ${job.last_error}` : ''})` : '';
  return `${job.job_id}: ${job.step ?? job.status}${retry}`;
}

/** A failed job exits like the request would have had it failed at once: 404 → 5, 409 → 6, 5xx → 3. */
function jobError(job: JobStatus): CliError {
  const error = job.error;
  if (!error) return new CliError(`job ${job.job_id} failed`);
  return typeof error.status === 'number' ? new ApiError(error.message, error.status, error.code) : new CliError(error.message);
}

async function follow(ctx: Context, started: Started, waitTotalS: number): Promise<Asset> {
  const api = ctx.requireLogin();
  const deadline = ctx.clock.now() + waitTotalS * 1000;
  const spinner = ctx.out.spinner(`${started.job_id}: running`);
  try {
    for (;;) {
      const { body: job } = await api.json<JobStatus>('GET', started.status_url);
      if (job.status === 'completed' && job.result) return job.result;
      if (job.status === 'failed') throw jobError(job);
      if (job.status === 'cancelled') throw new CliError(`job ${job.job_id} was cancelled`);
      spinner.update(describeProgress(job));
      const left = deadline - ctx.clock.now();
      if (left <= 0)
        throw new CliError(
          `job ${job.job_id} is still running after ${waitTotalS} s; follow it at ${api.url(started.status_url)}`,
          EXIT.pending,
        );
      await ctx.clock.sleep(Math.min(POLL_MS, left));
    }
  } finally {
    spinner.stop();
  }
}

async function runJob(ctx: Context, path: string, body: Record<string, unknown>, values: Values): Promise<void> {
  const noWait = values['no-wait'] === true;
  // Without following, there is no point in the server holding the request: it answers 202 at once.
  const wait = intOption(values, 'wait', 0, 60) ?? (noWait ? 0 : undefined);
  const waitTotal = intOption(values, 'wait-total', 0, 7 * 24 * 3600) ?? DEFAULT_WAIT_TOTAL_S;
  const optional: [string, unknown][] = [
    ['asset_type', stringValue(values, 'type')],
    ['tags', stringValue(values, 'tags')],
    ['description', stringValue(values, 'description')],
    ['wait', wait],
  ];
  const api = ctx.requireLogin();
  const reply = await api.json<Asset | Started>('POST', path, {
    json: { ...body, ...Object.fromEntries(optional.filter(([, value]) => value !== undefined)) },
  });
  if (reply.status === 202 && noWait) {
    const started = reply.body as Started;
    ctx.out.result(started, () => `Started ${started.job_id}; follow it at ${api.url(started.status_url)}`);
    return;
  }
  const asset = reply.status === 202 ? await follow(ctx, reply.body as Started, waitTotal) : (reply.body as Asset);
  ctx.out.result(asset, () => `Recorded:\n${describeAsset(asset)}`);
}

export const recordRun: Command = {
  name: 'record-run',
  summary: "Record an L1 run's output as an asset",
  args: [{ name: 'RUN_ID' }],
  options: {
    l1: { type: 'string', value: 'URL', help: "the L1 server that ran it (must be in the L2 server's L1_SERVERS)" },
    name: { type: 'string', value: 'NAME', help: 'the name of the run output to record' },
    ...waitOptions,
  },
  required: ['l1', 'name'],
  exits: [0, 1, 2, 3, 4, 5, 6, 7],
  run: (ctx, { args, values }) =>
    runJob(ctx, '/assets/record-run', { run_id: args[0], l1_server: values.l1, output_name: values.name }, values),
};

export const publishCache: Command = {
  name: 'publish-cache',
  summary: 'Publish an item of an L1 cache (by content hash) as an asset',
  args: [{ name: 'HASH' }],
  options: {
    l1: { type: 'string', value: 'URL', help: "the L1 server holding it (must be in the L2 server's L1_SERVERS)" },
    name: { type: 'string', value: 'NAME', help: 'the asset name' },
    ...waitOptions,
  },
  required: ['l1', 'name'],
  exits: [0, 1, 2, 3, 4, 5, 6, 7],
  run: (ctx, { args, values }) =>
    runJob(ctx, '/assets/publish-cache', { content_hash: args[0], l1_server: values.l1, name: values.name }, values),
};
