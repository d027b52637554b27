// Stores the XSS payloads in every user- or remote-controlled field the pages show: through the API, a form or a
// fake L1 where those accept them, straight into the database where nothing outside can set the field (remote
// servers' answers, error texts), so the pages are tested on what a future code path might let in.
import { contentHashOf } from '../../src/domain/content-hash.js';
import { client } from '../helpers/http.js';
import { csrfToken, browserHeaders, JS_URL, MARKUP_PAYLOADS, sessionToken } from './security-fixtures.js';
import { userId, type World } from './security-world.js';

/** The value stored in field `id`: its marker, then every markup payload. */
export const payload = (id: string) => `${id}:${MARKUP_PAYLOADS.join('')}`;
/** What a page shows of field `id` when it escapes it. */
export const shown = (id: string) => `${id}:&lt;script&gt;alert(1)&lt;/script&gt;`;

export interface Stored {
  /** Field id → the page (and who views it) that must show it, escaped (or, for remote text, stripped of markup). */
  expected: Record<string, { url: string; viewer: Viewer; stripped?: boolean }>;
  urls: { providerId: number; s3Id: number; deviceCode: string; activityRef: string };
}

export type Viewer = 'anonymous' | 'alice' | 'bob' | 'operator';

export async function storePayloads(w: World): Promise<Stored> {
  const { services } = w.server.runtime;
  const db = w.server.database.db;
  const { repos } = services;
  const api = client(w.server.url);
  const token = await sessionToken(w.server, 'alice');
  const aliceId = await userId(w, 'alice');

  // Assets: description through the API (register, then PATCH), the upload form, tags and a name as if let in.
  const registered = await api.post('/assets', {
    token,
    json: { name: 'xss-api', content_hash: contentHashOf('xss-api'), asset_type: 'image', description: payload('asset-description') },
  });
  if (registered.status !== 201) throw new Error(`register: ${registered.status} ${registered.text}`);
  const patched = await api.request('PATCH', '/assets/xss-api', { token, json: { description: payload('asset-description') } });
  if (patched.status !== 200) throw new Error(`patch: ${patched.status} ${patched.text}`);
  await db('assets')
    .where({ name: 'xss-api' })
    .update({ tags: [payload('asset-tag'), 'plain'] });
  const named = await api.post('/assets', {
    token,
    json: { name: 'xss-renamed', content_hash: contentHashOf('xss-renamed'), asset_type: 'image' },
  });
  if (named.status !== 201) throw new Error(`register: ${named.status}`);
  await db('assets')
    .where({ name: 'xss-renamed' })
    .update({ name: payload('asset-name') });

  const csrf = csrfToken();
  const upload = new FormData();
  upload.set('name', 'xss-upload');
  upload.set('asset_type', 'image');
  upload.set('description', payload('upload-description'));
  upload.set('file', new Blob(['xss upload bytes']), 'x.png');
  const uploaded = await fetch(`${w.server.url}/assets?_csrf=${csrf}`, {
    method: 'POST',
    headers: browserHeaders(token, csrf),
    body: upload,
    redirect: 'manual',
  });
  if (uploaded.status !== 303) throw new Error(`upload: ${uploaded.status} ${await uploaded.text()}`);

  // Provenance as an L1 reports it: recipe and recipe CID are free text there; the run id is stored as if let in.
  const input = w.l1.addCacheItem(Buffer.from('xss input bytes'));
  w.l1.addRun(
    { run_id: 'xss-run', username: 'alice', recipe: payload('recipe'), recipe_cid: payload('recipe-cid'), inputs: [input] },
    Buffer.from('xss run'),
  );
  const run = await api.post('/assets/record-run', {
    token,
    json: { l1_server: w.l1.url, run_id: 'xss-run', output_name: 'xss-run', wait: 30 },
  });
  if (run.status !== 201) throw new Error(`record-run: ${run.status} ${run.text}`);
  await db('assets')
    .where({ name: 'xss-run' })
    .update({ run_id: payload('run-id'), provenance: db.raw(`provenance || jsonb_build_object('run_id', ?::text)`, [payload('run-id')]) });

  // People: display name and summary (no API sets them yet), and a follower known from a remote server.
  await db('users')
    .where({ id: aliceId })
    .update({ display_name: payload('display-name'), summary: payload('user-summary') });
  for (const [actorId, tag] of [
    [`${w.remote.url}/users/mallory`, 'follower'],
    [JS_URL, 'follower-js'],
  ] as const) {
    await repos.remoteActors.upsert({
      actor_id: actorId,
      inbox_url: `${w.remote.url}/users/mallory/inbox`,
      shared_inbox_url: null,
      public_key_id: `${actorId}#main-key`,
      public_key_pem: null,
      preferred_username: payload(`${tag}-username`),
      name: payload(`${tag}-name`),
      document: { id: actorId, type: 'Person', summary: payload(`${tag}-summary`), url: JS_URL, icon: { url: JS_URL } },
    });
    await repos.followers.upsert(db, {
      user_id: aliceId,
      actor_id: actorId,
      inbox_url: `${w.remote.url}/users/mallory/inbox`,
      shared_inbox_url: null,
      follow_activity_id: `${w.remote.url}/follows/${tag}`,
      state: 'accepted',
    });
  }

  // Storage: a name through the API, then what only the server writes (test messages, pin errors) and what the
  // JSON schema refuses (config values) straight in.
  const provider = await api.post('/storage/add', { token, json: { name: 'xss-disk', type: 'local' } });
  if (provider.status !== 201) throw new Error(`storage: ${provider.status} ${provider.text}`);
  const providerId = provider.body.id as number;
  await db('storage_providers')
    .where({ id: providerId })
    .update({
      name: payload('provider-name'),
      config: { note: payload('provider-config') },
      last_test_at: new Date(),
      last_test_ok: false,
      last_test_message: payload('provider-test'),
    });
  const [s3] = await db('storage_providers')
    .insert({
      user_id: aliceId,
      name: payload('s3-name'),
      provider_type: 's3',
      config: { endpoint: JS_URL, region: payload('s3-region'), bucket: payload('s3-bucket'), prefix: payload('s3-prefix') },
      enabled: false,
    })
    .returning('id');
  const asset = await db('assets').where({ name: 'xss-api' }).first();
  await db('asset_pins').insert({
    asset_id: asset.id,
    provider_id: providerId,
    status: 'failed',
    attempts: 3,
    last_error: payload('pin-error'),
  });

  // Renderers: an L1's error text and URL (remote), an attachment whose URL is a javascript: URL.
  await db('l1_notifications').insert({
    user_id: aliceId,
    l1_server: payload('l1-server'),
    kind: 'revoke',
    reference: 'xss',
    status: 'failed',
    attempts: 9,
    last_error: payload('l1-error'),
  });
  await db('user_renderers').insert({ user_id: aliceId, l1_server: JS_URL });
  await db('user_renderers').insert({ user_id: aliceId, l1_server: payload('renderer-l1') });

  // A device that names itself with markup (the API refuses such a client_id; the page must not rely on that).
  const device = await services.deviceAuth.start('artdag-cli');
  await db('device_codes')
    .where({ user_code: device.user_code })
    .update({ client_id: payload('client-id') });

  // Federation and anchoring state written from other servers' answers.
  const activity = await db('activities').where({ activity_id: registered.body.activity_id }).first();
  await db('deliveries').insert({
    activity_id: activity.id,
    inbox_url: 'http://127.0.0.1:9/inbox',
    host: payload('delivery-host'),
    status: 'pending',
    attempts: 2,
    last_error: payload('delivery-error'),
    next_attempt_at: new Date(Date.now() + 86_400_000),
  });
  await db('instance_health').insert({
    host: payload('health-host'),
    consecutive_failures: 5,
    failing_since: new Date(),
    last_failure_at: new Date(),
    last_error: payload('health-error'),
  });
  await db('anchors')
    .where({ merkle_root: w.anchorRoot })
    .update({
      last_error: payload('anchor-error'),
      calendars: db.raw(`calendars || jsonb_build_object(?::text, '{"status":"failed"}'::jsonb)`, [payload('calendar-url')]),
    });

  const viewer = { alice: 'alice' as const, anonymous: 'anonymous' as const, operator: 'operator' as const };
  const assetPage = { url: '/asset/xss-api', viewer: viewer.anonymous };
  const runPage = { url: '/asset/xss-run', viewer: viewer.anonymous };
  const profile = { url: '/users/alice', viewer: viewer.anonymous };
  const storage = { url: '/storage', viewer: viewer.alice };
  const s3Edit = { url: `/storage/${s3.id}/edit`, viewer: viewer.alice };
  const admin = { url: '/admin', viewer: viewer.operator };
  return {
    expected: {
      'asset-description': assetPage,
      'asset-tag': assetPage,
      'asset-name': { url: '/assets', viewer: viewer.anonymous },
      'upload-description': { url: '/asset/xss-upload', viewer: viewer.anonymous },
      recipe: runPage,
      'recipe-cid': runPage,
      'run-id': runPage,
      'display-name': { url: '/users', viewer: viewer.anonymous },
      'user-summary': profile,
      // Remote actors' names and summaries are reduced to plain text before they are escaped.
      'follower-name': { ...profile, stripped: true },
      'follower-summary': { ...profile, stripped: true },
      'follower-js-name': { ...profile, stripped: true },
      'provider-name': storage,
      'provider-config': storage,
      'provider-test': storage,
      'pin-error': assetPage,
      's3-name': s3Edit,
      's3-region': s3Edit,
      's3-bucket': s3Edit,
      's3-prefix': s3Edit,
      'l1-server': { url: '/renderers', viewer: viewer.alice },
      'l1-error': admin,
      'renderer-l1': { url: '/renderers', viewer: viewer.alice },
      'client-id': { url: `/device?code=${device.user_code}`, viewer: viewer.alice },
      'health-host': admin,
      'health-error': admin,
      'delivery-host': admin,
      'anchor-error': { url: '/anchors/ui', viewer: viewer.anonymous },
      'calendar-url': { url: '/anchors/ui', viewer: viewer.anonymous },
    },
    urls: { providerId, s3Id: s3.id, deviceCode: device.user_code, activityRef: registered.body.activity_id.split('/').pop() },
  };
}
