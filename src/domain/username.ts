// Username rules: the shape ActivityPub handles need, and names that must never belong to a person.

export const USERNAME_PATTERN = /^[a-z0-9_]{1,30}$/;

/** Names that collide with routes, protocol roles or impersonation targets. */
const RESERVED = new Set([
  'admin',
  'administrator',
  'root',
  'system',
  'support',
  'help',
  'security',
  'abuse',
  'postmaster',
  'webmaster',
  'hostmaster',
  'noreply',
  'no_reply',
  'mail',
  'info',
  'staff',
  'moderator',
  'mod',
  'operator',
  'owner',
  'official',
  'artdag',
  'l1',
  'l2',
  'api',
  'auth',
  'login',
  'logout',
  'register',
  'signup',
  'settings',
  'users',
  'user',
  'assets',
  'asset',
  'activities',
  'activity',
  'objects',
  'anchors',
  'storage',
  'renderers',
  'device',
  'docs',
  'download',
  'inbox',
  'outbox',
  'followers',
  'following',
  'nodeinfo',
  'webfinger',
  'well_known',
  'static',
  'health',
  'ready',
  'metrics',
  'instance',
  'actor',
  'relay',
  'null',
  'undefined',
  'anonymous',
  'everyone',
  'public',
]);

export type UsernameProblem = 'format' | 'reserved';

export function usernameProblem(name: string): UsernameProblem | null {
  if (!USERNAME_PATTERN.test(name)) return 'format';
  if (RESERVED.has(name)) return 'reserved';
  return null;
}
