// What each received activity does to our state; runs inside the transaction that stored it.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { AS_CONTEXT, activityUrl, actorUrl, type Instance } from '../domain/activity-streams.js';
import { signActivity } from '../domain/activity-signature.js';
import { NotFound } from '../domain/errors.js';
import type { Repositories } from '../db/repositories/index.js';
import type { KeysService } from './keys-service.js';
import type { RemoteActorsService } from './remote-actors-service.js';

export interface InboundActivity {
  id: string;
  type: string;
  actorId: string;
  objectId: string | null;
  object: unknown;
  document: Record<string, unknown>;
}

export interface HandlerContext {
  trx: Knex;
  repos: Repositories;
  remoteActors: RemoteActorsService;
  keys: KeysService;
  instance: Instance;
  /** Our own activities created while handling, to deliver after commit. */
  toDeliver: { id: number; activityId: string }[];
}

const ACTOR_TYPES = new Set(['Person', 'Service', 'Application', 'Group', 'Organization']);

function localUsername(instance: Instance, url: string | null): string | null {
  const prefix = `${instance.publicUrl}/users/`;
  if (!url?.startsWith(prefix)) return null;
  const name = url.slice(prefix.length);
  return /^[a-z0-9_]{1,30}$/.test(name) ? name : null;
}

async function follow(ctx: HandlerContext, activity: InboundActivity): Promise<void> {
  const username = localUsername(ctx.instance, activity.objectId);
  if (!username) return;
  const user = await ctx.repos.users.findByUsername(username);
  if (!user) throw new NotFound(`No user "${username}" on ${ctx.instance.domain} to follow.`);
  const follower = await ctx.remoteActors.get(activity.actorId);
  if (!follower.inbox_url) throw new NotFound(`${activity.actorId} has no inbox to send the Accept to.`);
  await ctx.repos.followers.upsert(ctx.trx, {
    user_id: user.id,
    actor_id: activity.actorId,
    inbox_url: follower.inbox_url,
    shared_inbox_url: follower.shared_inbox_url,
    follow_activity_id: activity.id,
    state: user.locked ? 'pending' : 'accepted',
  });
  if (user.locked) return;

  const uuid = randomUUID();
  const actor = actorUrl(ctx.instance, user.username);
  const published = new Date();
  const accept = {
    '@context': AS_CONTEXT,
    id: activityUrl(ctx.instance, uuid),
    type: 'Accept',
    actor,
    object: { id: activity.id, type: 'Follow', actor: activity.actorId, object: actor },
    to: [activity.actorId],
    published: published.toISOString(),
  };
  const { raw } = await signActivity(accept, await ctx.keys.signingKey(user), published.toISOString());
  const rowId = await ctx.repos.activities.insert(ctx.trx, {
    uuid,
    activity_id: accept.id,
    activity_type: 'Accept',
    actor_user_id: user.id,
    actor_id: actor,
    object_id: activity.id,
    asset_id: null,
    raw,
    published_at: published,
  });
  await ctx.repos.deliveries.plan(ctx.trx, rowId, [follower.inbox_url]);
  ctx.toDeliver.push({ id: rowId, activityId: accept.id });
}

async function undo(ctx: HandlerContext, activity: InboundActivity): Promise<void> {
  const undone = activity.objectId;
  if (!undone) return;
  // The undone activity may be embedded or just named by id; either way it was this actor's.
  await ctx.repos.interactions.removeByActivity(ctx.trx, undone, activity.actorId);
  await ctx.repos.followers.removeByFollowActivity(ctx.trx, activity.actorId, undone);
  const inner = activity.object && typeof activity.object === 'object' ? (activity.object as Record<string, unknown>) : null;
  if (inner?.type === 'Follow') {
    const target = localUsername(ctx.instance, typeof inner.object === 'string' ? inner.object : null);
    const user = target ? await ctx.repos.users.findByUsername(target) : null;
    if (user) await ctx.repos.followers.remove(ctx.trx, user.id, activity.actorId);
  }
}

async function interaction(ctx: HandlerContext, activity: InboundActivity, kind: 'like' | 'announce'): Promise<void> {
  const prefix = `${ctx.instance.publicUrl}/objects/`;
  if (!activity.objectId?.startsWith(prefix)) return;
  if (!(await ctx.repos.assets.findByHash(activity.objectId.slice(prefix.length)))) return;
  await ctx.repos.interactions.add(ctx.trx, { activity_id: activity.id, kind, object_id: activity.objectId, actor_id: activity.actorId });
}

export async function handleActivity(ctx: HandlerContext, activity: InboundActivity): Promise<void> {
  switch (activity.type) {
    case 'Follow':
      return await follow(ctx, activity);
    case 'Undo':
      return await undo(ctx, activity);
    case 'Like':
      return await interaction(ctx, activity, 'like');
    case 'Announce':
      return await interaction(ctx, activity, 'announce');
    case 'Delete':
      if (activity.objectId === activity.actorId) {
        await ctx.repos.followers.removeActorEverywhere(ctx.trx, activity.actorId);
        await ctx.remoteActors.markGone(activity.actorId);
      }
      return;
    case 'Update': {
      const object = activity.object as Record<string, unknown> | null;
      if (activity.objectId === activity.actorId && typeof object?.type === 'string' && ACTOR_TYPES.has(object.type)) {
        await ctx.remoteActors.store(object, activity.actorId);
      }
      return;
    }
    default:
      // Kept in inbox_activities; nothing else to do.
      return;
  }
}
