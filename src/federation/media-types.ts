// ActivityPub content types, and whether a request asks for ActivityStreams rather than HTML.
import type { Context } from 'koa';

export const ACTIVITY_JSON = 'application/activity+json';
export const LD_JSON_AS = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"';
export const JRD_JSON = 'application/jrd+json';

/** The content type to answer with: ld+json when the client asked for it, activity+json otherwise. */
export function activityContentType(ctx: Context): string {
  return ctx.get('Accept').includes('application/ld+json') ? LD_JSON_AS : ACTIVITY_JSON;
}

const INBOUND = /^application\/(activity\+json|ld\+json|json)\b/i;

export function isActivityPubBody(contentType: string): boolean {
  return INBOUND.test(contentType.trim());
}
