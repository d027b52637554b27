// Delivery activities: POST one activity to the pending inboxes of one host, signed by its author, and
// record every outcome. HTTP failures are data (the workflow schedules the retry), not thrown errors.
import type { GuardedHttpClient } from '../clients/guarded-fetch.js';
import { isPermanentStatus, retryAfterSeconds } from '../domain/delivery-schedule.js';
import type { ActivityRow } from '../db/repositories/activities-repository.js';
import type { AttemptOutcome, DeliveryRow } from '../db/repositories/deliveries-repository.js';
import type { Repositories } from '../db/repositories/index.js';
import { signRequest } from '../federation/http-signatures.js';
import { ACTIVITY_JSON } from '../federation/media-types.js';
import type { DeliveryService } from '../services/delivery-service.js';
import type { KeysService, UserKey } from '../services/keys-service.js';
import { heartbeating } from './heartbeat.js';

export interface DeliveryActivityDeps {
  delivery: Pick<DeliveryService, 'startHosts'>;
  http: GuardedHttpClient;
  repos: Repositories;
  keys: KeysService;
  unavailableAfterMs: number;
}

export interface HostRound {
  /** Deliveries still pending after this round. */
  pending: number;
  /** How long to wait before the next round: the planned delay, or longer if the host asked (Retry-After). */
  waitSeconds: number;
}

const PER_HOST_PARALLEL = 4;
const HOSTS_PARALLEL = 32;

async function eachLimit<T>(items: T[], limit: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

interface Answer {
  status: number | null;
  error: string | null;
  retryAfter: number | null;
}

export function createDeliveryActivities(deps: DeliveryActivityDeps) {
  const { repos } = deps;

  async function post(delivery: DeliveryRow, activity: ActivityRow, key: UserKey): Promise<Answer> {
    const headers = signRequest(
      { method: 'POST', url: delivery.inbox_url, headers: { 'content-type': ACTIVITY_JSON, accept: ACTIVITY_JSON }, body: activity.raw },
      { keyId: key.keyId, privateKey: key.privateKey },
    );
    try {
      const res = await deps.http.request(delivery.inbox_url, { method: 'POST', headers, body: activity.raw, redirect: 'manual' });
      const retryAfter = retryAfterSeconds(res.headers['retry-after'], new Date());
      if (res.status < 300) {
        await res.discard();
        return { status: res.status, error: null, retryAfter };
      }
      const text = (await res.text().catch(() => '')).slice(0, 200);
      return { status: res.status, error: `HTTP ${res.status}${text ? `: ${text}` : ''}`, retryAfter };
    } catch (err) {
      return { status: null, error: (err as Error).message, retryAfter: null };
    }
  }

  /** The activity and its author's current key, loaded once per batch of hosts. */
  async function signedBy(activityId: number): Promise<{ activity: ActivityRow; key: UserKey }> {
    const activity = await repos.activities.findBySequence(activityId);
    if (!activity || activity.actor_user_id === null) throw new Error(`activity #${activityId} has no local author`);
    const author = await repos.users.findById(activity.actor_user_id);
    if (!author) throw new Error(`the author of activity #${activityId} no longer exists`);
    return { activity, key: await deps.keys.signingKey(author, { fresh: true }) };
  }

  async function round(
    activityId: number,
    host: string,
    retryInSeconds: number | null,
    { activity, key }: { activity: ActivityRow; key: UserKey },
  ): Promise<HostRound> {
    const lastChance = retryInSeconds === null;
    if (await repos.deliveries.hostUnavailable(host)) {
      await repos.deliveries.closePending(activityId, host, 'skipped', `${host} is marked unavailable after failing for days`);
      return { pending: 0, waitSeconds: 0 };
    }
    const pending = await repos.deliveries.pendingFor(activityId, host);
    const answers = new Map<number, Answer>();
    // A few requests at a time per host: fast for hosts without a shared inbox, still polite.
    await eachLimit(pending, PER_HOST_PARALLEL, async (delivery) => answers.set(delivery.id, await post(delivery, activity, key)));

    const outcomes: (AttemptOutcome & { id: number })[] = [];
    const gone: string[] = [];
    const failed: number[] = [];
    let retryAfter = 0;
    let lastError: string | null = null;
    for (const delivery of pending) {
      const answer = answers.get(delivery.id)!;
      if (answer.status !== null && answer.status < 300) {
        outcomes.push({ id: delivery.id, status: 'delivered', lastStatus: answer.status, lastError: null, nextAttemptAt: null });
      } else if (answer.status !== null && isPermanentStatus(answer.status)) {
        outcomes.push({ id: delivery.id, status: 'failed', lastStatus: answer.status, lastError: answer.error, nextAttemptAt: null });
        // 410 means the actor behind this inbox is gone.
        if (answer.status === 410) gone.push(delivery.inbox_url);
      } else {
        failed.push(delivery.id);
        retryAfter = Math.max(retryAfter, answer.retryAfter ?? 0);
        lastError = answer.error;
        outcomes.push({
          id: delivery.id,
          status: lastChance ? 'failed' : 'pending',
          lastStatus: answer.status,
          lastError: lastChance ? `gave up after the last attempt: ${answer.error}` : answer.error,
          nextAttemptAt: null,
        });
      }
    }
    await repos.deliveries.recordAttempts(outcomes);
    for (const inbox of gone) await repos.followers.removeByInbox(inbox);
    // Any answer other than a transient failure shows the host is alive.
    if (failed.length < pending.length) await repos.deliveries.hostSucceeded(host);
    if (failed.length > 0) await repos.deliveries.hostFailed(host, lastError ?? 'unknown error', deps.unavailableAfterMs);

    if (lastChance || failed.length === 0) return { pending: 0, waitSeconds: 0 };
    const waitSeconds = Math.max(retryInSeconds, retryAfter);
    await repos.deliveries.scheduleRetry(failed, new Date(Date.now() + waitSeconds * 1000));
    return { pending: failed.length, waitSeconds };
  }

  return {
    async pendingDeliveryHosts(input: { activityId: number; afterHost: string | null; limit: number }): Promise<string[]> {
      return await repos.deliveries.pendingHosts(input.activityId, input.afterHost, input.limit);
    },

    /**
     * The first attempt for a page of hosts, many hosts at once; only hosts left with pending deliveries get a
     * deliverToHost workflow for their retries. Most fan-outs thus finish without one workflow per host.
     */
    async deliverFirstRound(input: {
      activityId: number;
      activityUrl: string;
      hosts: string[];
      retryDelays: number[];
    }): Promise<{ retrying: number }> {
      return await heartbeating(async () => {
        const retrying: { host: string; waitSeconds: number }[] = [];
        const first = input.retryDelays[0];
        const signing = await signedBy(input.activityId);
        await eachLimit(input.hosts, HOSTS_PARALLEL, async (host) => {
          const retryIn = first === undefined ? null : first * (0.9 + Math.random() * 0.2);
          const result = await round(input.activityId, host, retryIn, signing);
          if (result.pending > 0) retrying.push({ host, waitSeconds: result.waitSeconds });
        });
        await deps.delivery.startHosts({ ...input, hosts: retrying });
        return { retrying: retrying.length };
      });
    },

    /** One attempt at every pending inbox of a host; `retryInSeconds` is null on the last attempt. */
    async deliveryRound(input: { activityId: number; host: string; retryInSeconds: number | null }): Promise<HostRound> {
      return await heartbeating(async () => round(input.activityId, input.host, input.retryInSeconds, await signedBy(input.activityId)));
    },
  };
}
