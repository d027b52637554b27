// The readers behind the state gauges: Postgres counts through the repositories, and workflow failures from
// Temporal's visibility store (which every api process can ask, unlike counters kept inside worker processes).
import type { Client } from '@temporalio/client';
import type { Repositories } from '../db/repositories/index.js';
import { cachedReader } from './cached-reader.js';
import type { Counts, StateSources } from './metrics.js';

// Scrapes come every 15-60 s from each Prometheus; a burst of them (or several Prometheus) shares one read.
const DATABASE_TTL_MS = 5_000;
const TEMPORAL_TTL_MS = 15_000;
const TIMEOUT_MS = 3_000;

/** Closed executions on the task queue by failure kind; child workflows (one per remote host) count too. */
async function workflowFailures(client: Client, taskQueue: string): Promise<Counts> {
  // The task queue name is validated by config.ts ([A-Za-z0-9._-]), so it needs no escaping inside the quotes.
  const count = async (status: string) =>
    (await client.workflow.count(`TaskQueue = "${taskQueue}" AND ExecutionStatus = "${status}"`)).count;
  const [failed, timedOut] = await Promise.all([count('Failed'), count('TimedOut')]);
  return { failed, timed_out: timedOut };
}

export function stateSources(deps: { repos: Repositories; temporal: Client | null; taskQueue: string }): StateSources {
  const { repos, temporal, taskQueue } = deps;
  const database = { ttlMs: DATABASE_TTL_MS, timeoutMs: TIMEOUT_MS };
  return {
    deliveries: cachedReader(() => repos.stats.deliveriesByStatus(), database),
    anchors: cachedReader(() => repos.anchors.countsByStatus(), database),
    workflowFailures: temporal
      ? cachedReader(() => workflowFailures(temporal, taskQueue), { ttlMs: TEMPORAL_TTL_MS, timeoutMs: TIMEOUT_MS })
      : null,
  };
}
