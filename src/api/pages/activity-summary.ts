// One activity as lists show it: the JSON summary clients get, and for pages the same with readable actor and
// object labels and safe links (our own URLs become local paths; only http(s) URLs are ever links).
import type { ActivityRow } from '../../db/repositories/activities-repository.js';

export interface Instance {
  domain: string;
  publicUrl: string;
}

/** The JSON shape of GET /activities items. */
export function activityJson(row: ActivityRow) {
  return {
    index: row.id,
    activity_id: row.activity_id,
    uuid: row.uuid,
    type: row.activity_type,
    actor: row.actor_id,
    object_id: row.object_id,
    published: row.published_at.toISOString(),
  };
}

export interface LinkView {
  label: string;
  href: string | null;
}

/** Our own URLs as local paths (the public URL may not be this address), remote http(s) URLs as they are. */
export function linkTo(url: string | null, instance: Instance): LinkView | null {
  if (!url) return null;
  const base = instance.publicUrl.replace(/\/$/, '');
  if (url.startsWith(`${base}/`)) {
    const path = url.slice(base.length);
    const user = /^\/users\/([^/]+)$/.exec(path);
    if (user) return { label: `@${decodeURIComponent(user[1]!)}@${instance.domain}`, href: path };
    const object = /^\/objects\/([0-9a-f]{64})$/.exec(path);
    if (object) return { label: `object ${object[1]!.slice(0, 12)}…`, href: path };
    return { label: path, href: path };
  }
  return { label: url, href: /^https?:\/\//i.test(url) ? url : null };
}

export function activitySummary(row: ActivityRow, instance: Instance) {
  return {
    ...activityJson(row),
    href: `/activity/${row.uuid}`,
    actor_link: linkTo(row.actor_id, instance),
    object_link: linkTo(row.object_id, instance),
  };
}

export type ActivitySummary = ReturnType<typeof activitySummary>;
