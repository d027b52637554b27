// The authorization matrix's data: for every mutating route, the request the owner would make and what each kind
// of caller must get. A number is a refusal with that exact status (and nothing may be written); 'ok' is success.
import { contentHashOf } from '../../src/domain/content-hash.js';
import { DEVICE_GRANT_TYPE } from '../../src/api/routes/auth/device.schema.js';
import { aliceAsset, aliceGrant, aliceProvider, approvedDeviceCode, attachToken, PASSWORDS, type World } from './security-world.js';

/**
 * renderer: alice's scoped token from GET /renderers/attach (what an L1 receives); grant: her opaque grant;
 * l1call: the token L2 mints to call an L1 on her behalf. All three are in an L1's hands and must open nothing here.
 */
export const PRINCIPALS = ['anonymous', 'renderer', 'grant', 'l1call', 'other', 'operator', 'owner'] as const;
export type Principal = (typeof PRINCIPALS)[number];
export type Expect = number | 'ok';

export interface Req {
  path: string;
  json?: unknown;
  form?: Record<string, string>;
  headers?: Record<string, string>;
}

export interface RouteCase {
  route: string;
  /** An HTML form route: callers come as browsers (session cookie + CSRF token) instead of with a Bearer token. */
  form?: boolean;
  /** The inbox: the owner is a remote actor signing the request; tokens of ours mean nothing there. */
  signed?: boolean;
  prepare(w: World, who: Principal): Promise<Req> | Req;
  expect: Record<Principal, Expect>;
}

const REFUSED_ANONYMOUS = { anonymous: 401, renderer: 401, grant: 401, l1call: 401 } as const;
/** Acts on one user's resource: other users (the operator included) are told it does not exist. */
const OWNED = { ...REFUSED_ANONYMOUS, other: 404, operator: 404, owner: 'ok' } as const;
/** Acts on the caller's own account: any signed-in user may. */
const SELF = { ...REFUSED_ANONYMOUS, other: 'ok', operator: 'ok', owner: 'ok' } as const;
/** Needs no session (login, register, device and L1 endpoints): the same for everyone. */
const OPEN = { anonymous: 'ok', renderer: 'ok', grant: 'ok', l1call: 'ok', other: 'ok', operator: 'ok', owner: 'ok' } as const;

function follow(w: World, inbox: string): Req {
  const activity = {
    '@context': 'https://www.w3.org/ns/activitystreams',
    id: `${w.remote.url}/activities/follow-${w.seq()}`,
    type: 'Follow',
    actor: w.follower.id,
    object: 'https://l2.test/users/alice',
  };
  return { path: inbox, json: activity, headers: { 'content-type': 'application/activity+json' } };
}

export const ROUTE_CASES: RouteCase[] = [
  // Anchoring is a service any signed-in user may ask for; anchors belong to the server, not to a user.
  { route: 'POST /anchors/create', prepare: () => ({ path: '/anchors/create?wait=5' }), expect: SELF },
  { route: 'POST /anchors/test-ots', prepare: () => ({ path: '/anchors/test-ots' }), expect: SELF },
  { route: 'POST /anchors/:root/upgrade', prepare: (w) => ({ path: `/anchors/${w.anchorRoot}/upgrade` }), expect: SELF },
  {
    route: 'POST /assets',
    prepare: (w) => {
      const name = `authz-new-${w.seq()}`;
      return { path: '/assets', json: { name, content_hash: contentHashOf(name), asset_type: 'image' } };
    },
    expect: SELF,
  },
  {
    route: 'PATCH /assets/:name',
    prepare: async (w) => ({ path: `/assets/${await aliceAsset(w)}`, json: { description: 'changed by someone', tags: ['x'] } }),
    // Assets are public, so their existence is no secret: another user is told who owns it (403), not 404.
    expect: { ...OWNED, other: 403, operator: 403 },
  },
  {
    route: 'POST /assets/record-run',
    prepare: (w) => {
      const runId = `authz-run-${w.seq()}`;
      w.l1.addRun({ run_id: runId, username: 'alice' }, Buffer.from(`bytes of ${runId}`));
      return { path: '/assets/record-run', json: { l1_server: w.l1.url, run_id: runId, output_name: runId, wait: 20 } };
    },
    // The L1 says whose run it is: recording someone else's run is refused.
    expect: { ...OWNED, other: 403, operator: 403 },
  },
  {
    route: 'POST /assets/publish-cache',
    prepare: (w) => {
      const name = `authz-cache-${w.seq()}`;
      const hash = w.l1.addCacheItem(Buffer.from(`bytes of ${name}`));
      return { path: '/assets/publish-cache', json: { l1_server: w.l1.url, content_hash: hash, name, wait: 20 } };
    },
    expect: SELF,
  },
  {
    route: 'POST /auth/register',
    prepare: (w) => ({ path: '/auth/register', json: { username: `reg${w.seq()}`, password: 'a good password' } }),
    expect: OPEN,
  },
  {
    route: 'POST /auth/login',
    prepare: () => ({ path: '/auth/login', json: { username: 'alice', password: PASSWORDS.alice } }),
    expect: OPEN,
  },
  {
    route: 'POST /auth/password',
    // Alice's own request (her current password) in anyone else's hands changes nothing of hers.
    prepare: () => ({ path: '/auth/password', json: { current_password: PASSWORDS.alice, new_password: PASSWORDS.alice } }),
    expect: { ...OWNED, other: 403, operator: 403 },
  },
  { route: 'POST /auth/logout', prepare: () => ({ path: '/auth/logout' }), expect: SELF },
  { route: 'POST /auth/device/code', prepare: () => ({ path: '/auth/device/code', json: { client_id: 'artdag-cli' } }), expect: OPEN },
  {
    route: 'POST /auth/device/token',
    prepare: async (w) => ({
      path: '/auth/device/token',
      json: { grant_type: DEVICE_GRANT_TYPE, device_code: await approvedDeviceCode(w), client_id: 'artdag-cli' },
    }),
    expect: OPEN,
  },
  {
    route: 'POST /auth/verify',
    prepare: async (w) => ({ path: '/auth/verify', json: { token: await attachToken(w, w.l1.url), l1_server: w.l1.url } }),
    expect: OPEN,
  },
  {
    route: 'POST /users/:name/key/rotate',
    prepare: () => ({ path: '/users/alice/key/rotate' }),
    expect: { ...OWNED, other: 403, operator: 403 },
  },
  {
    route: 'POST /users/:name/inbox',
    signed: true,
    prepare: (w) => follow(w, '/users/alice/inbox'),
    expect: { ...REFUSED_ANONYMOUS, other: 401, operator: 401, owner: 'ok' },
  },
  {
    route: 'POST /inbox',
    signed: true,
    prepare: (w) => follow(w, '/inbox'),
    expect: { ...REFUSED_ANONYMOUS, other: 401, operator: 401, owner: 'ok' },
  },
  {
    route: 'POST /renderers/detach',
    prepare: async (w) => {
      await w.server.runtime.services.renderers.verify(await attachToken(w, w.l1b.url), w.l1b.url);
      return { path: '/renderers/detach', json: { l1_server: w.l1b.url } };
    },
    expect: OWNED,
  },
  { route: 'POST /renderers/attach', prepare: (w) => ({ path: '/renderers/attach', json: { l1: w.l1.url } }), expect: SELF },
  { route: 'POST /renderers/grants', prepare: (w) => ({ path: '/renderers/grants', json: { l1_server: w.l1.url } }), expect: SELF },
  { route: 'DELETE /renderers/grants/:id', prepare: async (w) => ({ path: `/renderers/grants/${await aliceGrant(w)}` }), expect: OWNED },
  {
    route: 'POST /renderers/grants/:id/revoke',
    prepare: async (w) => ({ path: `/renderers/grants/${await aliceGrant(w)}/revoke` }),
    expect: OWNED,
  },
  {
    route: 'POST /storage/add',
    prepare: (w) => ({ path: '/storage/add', json: { name: `authz-add-${w.seq()}`, type: 'local' } }),
    expect: SELF,
  },
  {
    route: 'PATCH /storage/:id',
    prepare: async (w) => ({ path: `/storage/${await aliceProvider(w)}`, json: { name: `renamed-${w.seq()}` } }),
    expect: OWNED,
  },
  { route: 'DELETE /storage/:id', prepare: async (w) => ({ path: `/storage/${await aliceProvider(w)}` }), expect: OWNED },
  { route: 'POST /storage/:id/test', prepare: async (w) => ({ path: `/storage/${await aliceProvider(w)}/test` }), expect: OWNED },
  // HTML form routes.
  {
    route: 'POST /login',
    form: true,
    prepare: () => ({ path: '/login', form: { username: 'alice', password: PASSWORDS.alice } }),
    expect: OPEN,
  },
  {
    route: 'POST /register',
    form: true,
    prepare: (w) => ({ path: '/register', form: { username: `form${w.seq()}`, password: 'a good password' } }),
    expect: OPEN,
  },
  { route: 'POST /logout', form: true, prepare: () => ({ path: '/logout', form: {} }), expect: OPEN },
  {
    route: 'POST /device',
    form: true,
    prepare: async (w) => ({
      path: '/device',
      form: { user_code: (await w.server.runtime.services.deviceAuth.start('artdag-cli')).user_code, action: 'approve' },
    }),
    // Signed-out browsers (and dead or foreign cookies) are sent to log in; the code stays pending.
    expect: { anonymous: 302, renderer: 302, grant: 302, l1call: 302, other: 'ok', operator: 'ok', owner: 'ok' },
  },
  {
    route: 'POST /storage',
    form: true,
    prepare: (w) => ({ path: '/storage', form: { name: `authz-form-${w.seq()}`, type: 'local' } }),
    expect: SELF,
  },
  {
    route: 'POST /storage/:id/edit',
    form: true,
    prepare: async (w) => ({ path: `/storage/${await aliceProvider(w)}/edit`, form: { name: `edited-${w.seq()}`, enabled: 'on' } }),
    expect: OWNED,
  },
  {
    route: 'POST /storage/:id/delete',
    form: true,
    prepare: async (w) => ({ path: `/storage/${await aliceProvider(w)}/delete`, form: {} }),
    expect: OWNED,
  },
];
