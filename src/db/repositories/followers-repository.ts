// SQL for followers: who follows each local user, and the inboxes a delivery fans out to.
import type { Knex } from 'knex';
import type { Db } from '../knex.js';

export interface FollowerRow {
  id: number;
  user_id: number;
  actor_id: string;
  inbox_url: string;
  shared_inbox_url: string | null;
  follow_activity_id: string | null;
  state: 'pending' | 'accepted';
  created_at: Date;
}

/** An accepted follower with what we know of its actor: the cached remote document, or the local account. */
export interface FollowerActorRow {
  id: number;
  actor_id: string;
  created_at: Date;
  name: string | null;
  preferred_username: string | null;
  summary: unknown;
  url: unknown;
  icon: unknown;
  gone_at: Date | null;
  local_username: string | null;
  local_display_name: string | null;
}

export class FollowersRepository {
  constructor(private readonly db: Db) {}

  async upsert(
    trx: Knex,
    follower: Pick<FollowerRow, 'user_id' | 'actor_id' | 'inbox_url' | 'shared_inbox_url' | 'follow_activity_id' | 'state'>,
  ): Promise<void> {
    await trx('followers').insert(follower).onConflict(['user_id', 'actor_id']).merge({
      inbox_url: follower.inbox_url,
      shared_inbox_url: follower.shared_inbox_url,
      follow_activity_id: follower.follow_activity_id,
      state: follower.state,
      updated_at: trx.fn.now(),
    });
  }

  async remove(trx: Knex, userId: number, actorId: string): Promise<number> {
    return await trx('followers').where({ user_id: userId, actor_id: actorId }).delete();
  }

  /** Removes the follow an Undo names by its Follow activity id. */
  async removeByFollowActivity(trx: Knex, actorId: string, followActivityId: string): Promise<number> {
    return await trx('followers').where({ actor_id: actorId, follow_activity_id: followActivityId }).delete();
  }

  async removeActorEverywhere(trx: Knex | Db, actorId: string): Promise<number> {
    return await trx('followers').where({ actor_id: actorId }).delete();
  }

  /** Drops followers whose personal inbox is gone (410). */
  async removeByInbox(inboxUrl: string): Promise<number> {
    return await this.db('followers').where({ inbox_url: inboxUrl }).delete();
  }

  async find(userId: number, actorId: string): Promise<FollowerRow | null> {
    return ((await this.db('followers').where({ user_id: userId, actor_id: actorId }).first()) as FollowerRow | undefined) ?? null;
  }

  async page(userId: number, limit: number, beforeId?: number): Promise<FollowerRow[]> {
    const query = this.db('followers').where({ user_id: userId, state: 'accepted' }).orderBy('id', 'desc').limit(limit);
    if (beforeId !== undefined) query.where('id', '<', beforeId);
    return (await query) as FollowerRow[];
  }

  /** Followers, newest first, with names from federation; localActorPrefix is `{publicUrl}/users/`. */
  async withActors(userId: number, localActorPrefix: string, limit: number): Promise<FollowerActorRow[]> {
    const result = await this.db.raw<{ rows: FollowerActorRow[] }>(
      `SELECT f.id, f.actor_id, f.created_at, r.name, r.preferred_username, r.document -> 'summary' AS summary,
              r.document -> 'url' AS url, r.document -> 'icon' AS icon, r.gone_at,
              lu.username AS local_username, lu.display_name AS local_display_name
         FROM followers f
         LEFT JOIN remote_actors r ON r.actor_id = f.actor_id
         LEFT JOIN users lu ON f.actor_id = ? || lu.username
        WHERE f.user_id = ? AND f.state = 'accepted'
        ORDER BY f.id DESC
        LIMIT ?`,
      [localActorPrefix, userId, limit],
    );
    return result.rows;
  }

  async count(userId: number): Promise<number> {
    const row = (await this.db('followers').where({ user_id: userId, state: 'accepted' }).count<{ count: string }[]>('* as count'))[0];
    return Number(row?.count ?? 0);
  }

  /** Where a user's public activities go: each follower's shared inbox when it has one, else its own inbox, once. */
  async deliveryInboxes(userId: number): Promise<string[]> {
    const rows = (await this.db('followers')
      .where({ user_id: userId, state: 'accepted' })
      .distinct(this.db.raw('coalesce(shared_inbox_url, inbox_url) AS inbox'))) as { inbox: string }[];
    return rows.map((r) => r.inbox);
  }
}
