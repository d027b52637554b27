// Delivery activities: POST one activity to the pending inboxes of one host, signed by its author, and
// record every outcome. HTTP failures are data (the workflow schedules the retry), not thrown errors.
import type { GuardedHttpClient } from '../clients/guarded-fetch.js';
import { isPermanentStatus, retryAfterSeconds } from '../domain/delivery-schedule.js';
import type { ActivityRow } from '../db/repositories/activities-repository.js';
import type { DeliveryRow } from '../db/repositories/deliveries-repository.js';
import type { Repositories } from '../db/repositories/index.js';
import { signRequest } from '../federation/http-signatures.js';
import { ACTIVITY_JSON } from '../federation/media-types.js';
import type { KeysService, UserKey } from '../services/keys-service.js';
import { heartbeating } from './heartbeat.js';

export interface DeliveryActivityDeps {
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

  async function round(activityId: number, host: string, retryInSeconds: number | null): Promise<HostRound> {
    const lastChance = retryInSeconds === null;
    if (await repos.deliveries.hostUnavailable(host)) {
      await repos.deliveries.closePending(activityId, host, 'skipped', `${host} is marked unavailable after failing for days`);
      return { pending: 0, waitSeconds: 0 };
    }
    const activity = await repos.activities.findBySequence(activityId);
    if (!activity || activity.actor_user_id === null) throw new Error(`activity #${activityId} has no local author`);
    const author = await repos.users.findById(activity.actor_user_id);
    if (!author) throw new Error(`the author of activity #${activityId} no longer exists`);
    const key = await deps.keys.signingKey(author, { fresh: true });

    const failed: number[] = [];
    let retryAfter = 0;
    for (const delivery of await repos.deliveries.pendingFor(activityId, host)) {
      const answer = await post(delivery, activity, key);
      if (answer.status !== null && answer.status < 300) {
        await repos.deliveries.recordAttempt(delivery.id, {
          status: 'delivered',
          lastStatus: answer.status,
          lastError: null,
          nextAttemptAt: null,
        });
        await repos.deliveries.hostSucceeded(host);
      } else if (answer.status !== null && isPermanentStatus(answer.status)) {
        await repos.deliveries.recordAttempt(delivery.id, {
          status: 'failed',
          lastStatus: answer.status,
          lastError: answer.error,
          nextAttemptAt: null,
        });
        // The inbox answered, so the host is alive; 410 means the actor behind this inbox is gone.
        await repos.deliveries.hostSucceeded(host);
        if (answer.status === 410) await repos.followers.removeByInbox(delivery.inbox_url);
      } else {
        failed.push(delivery.id);
        retryAfter = Math.max(retryAfter, answer.retryAfter ?? 0);
        await repos.deliveries.recordAttempt(delivery.id, {
          status: lastChance ? 'failed' : 'pending',
          lastStatus: answer.status,
          lastError: lastChance ? `gave up after the last attempt: ${answer.error}` : answer.error,
          nextAttemptAt: null,
        });
        await repos.deliveries.hostFailed(host, answer.error ?? 'unknown error', deps.unavailableAfterMs);
      }
    }
    if (lastChance || failed.length === 0) return { pending: 0, waitSeconds: 0 };
    const waitSeconds = Math.max(retryInSeconds, retryAfter);
    await repos.deliveries.scheduleRetry(failed, new Date(Date.now() + waitSeconds * 1000));
    return { pending: failed.length, waitSeconds };
  }

  return {
    async pendingDeliveryHosts(input: { activityId: number; afterHost: string | null; limit: number }): Promise<string[]> {
      return await repos.deliveries.pendingHosts(input.activityId, input.afterHost, input.limit);
    },

    /** One attempt at every pending inbox of a host; `retryInSeconds` is null on the last attempt. */
    async deliveryRound(input: { activityId: number; host: string; retryInSeconds: number | null }): Promise<HostRound> {
      return await heartbeating(() => round(input.activityId, input.host, input.retryInSeconds));
    },
  };
}
