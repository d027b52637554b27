// A server with everything the security probes act on: alice (the owner) attached to a fake L1 with a live scoped
// token and grant, bob (another user), the operator, a stamped anchor, and a remote fediverse actor; plus makers
// of fresh resources owned by alice.
import { createHash } from 'node:crypto';
import type { DestinationStream } from 'pino';
import { expect } from 'vitest';
import { contentHashOf } from '../../src/domain/content-hash.js';
import { FakeBitcoin } from '../doubles/fake-bitcoin.js';
import { FakeFediverse, type FakeActor } from '../doubles/fake-fediverse.js';
import { FakeL1 } from '../doubles/fake-l1.js';
import { FakeCalendar } from '../doubles/ots-calendar.js';
import { browserLogin, client, registerAndLogin } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

export const PASSWORDS = { alice: 'alice password one', bob: 'bob password two' };

export interface World {
  server: TestServer;
  l1: FakeL1;
  /** A second allowlisted L1, detached by the detach route so the shared renderer tokens stay valid. */
  l1b: FakeL1;
  remote: FakeFediverse;
  follower: FakeActor;
  /** Where an anchored batch landed (the upgrade route needs one stamped on the calendars). */
  anchorRoot: string;
  /** Alice's scoped token for l1, as GET /renderers/attach hands it out, and her opaque grant for l1. */
  rendererJwt: string;
  grantToken: string;
  seq(): number;
  stop(): Promise<void>;
}

export const userId = async (w: World, name: string) => (await w.server.runtime.services.repos.users.findByUsername(name))!.id;
export const alice = async (w: World) => (await w.server.runtime.services.repos.users.findByUsername('alice'))!;

export async function aliceAsset(w: World): Promise<string> {
  const name = `authz-asset-${w.seq()}`;
  await w.server.runtime.services.assets.register(await alice(w), {
    name,
    contentHash: contentHashOf(name),
    assetType: 'image',
    tags: [],
    description: null,
    ipfsCid: null,
    provenance: null,
    l1Server: null,
    runId: null,
    sizeBytes: null,
    mediaType: null,
  });
  return name;
}

export async function aliceProvider(w: World): Promise<number> {
  const view = await w.server.runtime.services.storage.create(await userId(w, 'alice'), { name: `authz-disk-${w.seq()}`, type: 'local' });
  return view.id;
}

export async function aliceGrant(w: World): Promise<number> {
  const { token } = await w.server.runtime.services.renderers.createGrant(await alice(w), w.l1.url);
  const grant = await w.server.runtime.services.repos.renderers.grantByHash(createHash('sha256').update(token).digest('hex'));
  return grant!.id;
}

/** A fresh scoped token of alice's for an L1, as GET /renderers/attach puts in its redirect. */
export async function attachToken(w: World, l1: string): Promise<string> {
  const url = new URL(await w.server.runtime.services.renderers.attachUrl(await alice(w), l1));
  return url.searchParams.get('auth_token')!;
}

/** A device code approved by alice: whoever polls with it gets her token (that is what the device code is for). */
export async function approvedDeviceCode(w: World): Promise<string> {
  const { deviceAuth } = w.server.runtime.services;
  const grant = await deviceAuth.start('artdag-cli');
  await deviceAuth.decide(await alice(w), grant.user_code, true);
  return grant.device_code;
}

export async function startWorld(options: { log?: { level: string; destination: DestinationStream } } = {}): Promise<World> {
  const [l1, l1b, remote] = await Promise.all([FakeL1.start(), FakeL1.start(), FakeFediverse.start({ sharedInbox: true })]);
  const chain = await FakeBitcoin.start();
  const calendar = await FakeCalendar.start(chain);
  const server = await startTestServer({
    log: options.log,
    env: {
      L1_SERVERS: `${l1.url},${l1b.url}`,
      OTS_CALENDARS: calendar.url,
      OTS_MIN_CALENDARS: '1',
      BITCOIN_ESPLORA_URL: chain.esploraUrl,
    },
  });
  for (const fake of [l1, l1b]) fake.connectL2({ publicUrl: server.config.publicUrl, url: server.url });
  const api = client(server.url);
  const aliceToken = await registerAndLogin(server.url, 'alice', PASSWORDS.alice);
  await registerAndLogin(server.url, 'bob', PASSWORDS.bob);

  // The renderer token exactly as an L1 receives it: through the attach redirect, then the L1's own /auth.
  const browser = await browserLogin(server.url, 'alice', PASSWORDS.alice);
  const attach = await browser.submit('/renderers/attach', { l1: l1.url });
  expect(attach.status).toBe(303);
  const location = new URL(attach.headers.get('location')!);
  expect((await fetch(location, { redirect: 'manual' })).status).toBe(302);
  const grant = await api.post('/renderers/grants', { token: aliceToken, json: { l1_server: l1.url } });
  expect(grant.status).toBe(201);

  const anchored = await api.post('/assets', {
    token: aliceToken,
    json: { name: 'world-anchored', content_hash: contentHashOf('world-anchored'), asset_type: 'image' },
  });
  expect(anchored.status).toBe(201);
  const anchor = await api.post('/anchors/create?wait=20', { token: aliceToken });
  expect(anchor.status).toBe(201);

  let counter = 0;
  return {
    server,
    l1,
    l1b,
    remote,
    follower: remote.addActor('fan', { sharedKey: true }),
    anchorRoot: anchor.body.merkle_root,
    rendererJwt: location.searchParams.get('auth_token')!,
    grantToken: grant.body.token,
    seq: () => ++counter,
    async stop() {
      await server.stop();
      await Promise.all([l1.stop(), l1b.stop(), remote.stop(), calendar.stop()]);
      await chain.stop();
    },
  };
}
