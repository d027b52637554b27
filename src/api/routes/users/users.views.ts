// View models for the people pages: local users and remote followers as templates show them. Remote actor data
// arrives from other servers, so it is reduced to plain text here and escaped again by the templates.
import type { FollowerActorRow } from '../../../db/repositories/followers-repository.js';
import type { UserSummaryRow } from '../../../db/repositories/users-repository.js';

const TAG = /<[^>]*>/g;
const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&nbsp;': ' ' };

/** Remote summaries are HTML (Mastodon's are): keep the words, drop the markup; the template escapes the rest. */
export function plainText(value: unknown, max = 280): string | null {
  if (typeof value !== 'string') return null;
  const text = value
    .replace(TAG, ' ')
    .replace(/&(amp|lt|gt|quot|#39|nbsp);/g, (m) => ENTITIES[m] ?? m)
    .replace(/\s+/g, ' ')
    .trim();
  if (!text) return null;
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Only http(s) links are ever rendered; anything else (javascript:, data:) is shown as text. */
export function safeHref(value: unknown): string | null {
  return typeof value === 'string' && /^https?:\/\/[^\s]+$/i.test(value) ? value : null;
}

export interface PersonView {
  username: string;
  displayName: string;
  handle: string;
  summary: string | null;
  assets: number;
  followers: number;
  joined: string;
}

export function personView(row: UserSummaryRow, domain: string): PersonView {
  return {
    username: row.username,
    displayName: row.display_name?.trim() || row.username,
    handle: `@${row.username}@${domain}`,
    // Typed here as plain text: shown as typed (escaped), unlike remote summaries, which are HTML.
    summary: row.summary?.trim() || null,
    assets: row.asset_count,
    followers: row.follower_count,
    joined: row.created_at.toISOString(),
  };
}

export interface FollowerView {
  name: string;
  handle: string;
  href: string | null;
  summary: string | null;
  local: boolean;
  gone: boolean;
  since: string;
}

export function followerView(row: FollowerActorRow): FollowerView {
  const since = row.created_at.toISOString();
  if (row.local_username) {
    return {
      name: row.local_display_name?.trim() || row.local_username,
      handle: `@${row.local_username}`,
      href: `/users/${encodeURIComponent(row.local_username)}`,
      summary: null,
      local: true,
      gone: false,
      since,
    };
  }
  let host = '';
  try {
    host = new URL(row.actor_id).host;
  } catch {
    // A malformed id from a peer: show it as it is.
  }
  const username = plainText(row.preferred_username, 100);
  return {
    name: plainText(row.name, 100) ?? username ?? row.actor_id,
    handle: username && host ? `@${username}@${host}` : row.actor_id,
    href: safeHref(row.actor_id),
    summary: plainText(row.summary),
    local: false,
    gone: row.gone_at !== null,
    since,
  };
}
