// SSRF through every URL L2 fetches. Part one builds each outbound caller (remote actors, L1, OTS calendars,
// Esplora, S3, IPFS) on the guard with its production default (private network refused) and a stub resolver,
// and points it at a loopback listener through every spelling of a private address and through public-looking
// names that resolve (or rebind, or redirect) to one: the listener must see no connection at all. A control
// with the guard opened proves the same requests would reach it. Part two runs a whole L2 with
// ALLOW_PRIVATE_NETWORK=false and checks the inbox key fetch, deliveries, storage endpoints and the shared
// client are really wired to the guard. Everything stays on loopback (test/helpers/loopback-only.ts).
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CalendarClient } from '../../src/clients/calendar-client.js';
import { EsploraHeaderSource } from '../../src/clients/esplora-client.js';
import { GuardedHttpClient, isBlockedAddress, OutboundRequestError } from '../../src/clients/guarded-fetch.js';
import { L1Client } from '../../src/clients/l1-client.js';
import type { RemoteActorsRepository } from '../../src/db/repositories/remote-actors-repository.js';
import { contentHashOf } from '../../src/domain/content-hash.js';
import { RemoteActorsService } from '../../src/services/remote-actors-service.js';
import { guardedAgents } from '../../src/storage/outbound-guard.js';
import { S3StorageProvider } from '../../src/storage/s3-provider.js';
import { FakeFediverse } from '../doubles/fake-fediverse.js';
import { deliveryFinished } from '../helpers/delivery.js';
import { client, registerAndLogin } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { stubResolver } from './stub-resolver.js';

interface Listener {
  host: string;
  port: number;
  connections: number;
  paths: string[];
  close(): Promise<void>;
}

const listeners: Listener[] = [];

/** An HTTP server on a loopback address that counts connections; `answer` decides each response. */
async function listen(
  host = '127.0.0.1',
  port = 0,
  answer?: (req: http.IncomingMessage, res: http.ServerResponse) => void,
): Promise<Listener> {
  const state = { host, port: 0, connections: 0, paths: [] as string[] };
  const server = http.createServer((req, res) => {
    state.paths.push(req.url ?? '');
    if (answer) answer(req, res);
    else res.writeHead(200, { 'content-type': 'application/json', connection: 'close' }).end('{}');
  });
  server.on('connection', () => state.connections++);
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  state.port = (server.address() as AddressInfo).port;
  const listener = {
    ...state,
    get connections() {
      return state.connections;
    },
    get paths() {
      return state.paths;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  listeners.push(listener);
  return listener;
}

const PUBLIC_LOOKING: Record<string, string[][]> = {
  'loopback.public.example': [['127.0.0.1']],
  'mapped.public.example': [['::ffff:127.0.0.1']],
  'v6-loopback.public.example': [['::1']],
  'metadata.public.example': [['169.254.169.254']],
  'private.public.example': [['10.0.0.5']],
  'nat64.public.example': [['64:ff9b::7f00:1']],
  // One good answer and one bad: the socket may try either, so the name is refused.
  'mixed.public.example': [['93.184.216.34', '127.0.0.1']],
};

let target: Listener;
let dns: ReturnType<typeof stubResolver>;
let guarded: GuardedHttpClient;

beforeAll(async () => {
  target = await listen();
  dns = stubResolver(PUBLIC_LOOKING);
  // The production default: private network refused. Only the resolver is a stub.
  guarded = new GuardedHttpClient({ allowPrivateNetwork: false, userAgent: 'artdag-l2/ssrf-test', lookup: dns.resolve });
});
afterAll(async () => {
  await guarded.close();
  for (const listener of listeners) await listener.close();
});

/** Every way of writing "this machine" (or a private range) that the URL parser or DNS may hand the guard. */
function privateSpellings(port: number): string[] {
  return [
    `http://127.0.0.1:${port}`,
    `http://127.1:${port}`,
    `http://2130706433:${port}`,
    `http://0177.0.0.1:${port}`,
    `http://0x7f.0.0.1:${port}`,
    `http://0.0.0.0:${port}`,
    `http://[::1]:${port}`,
    `http://[::ffff:127.0.0.1]:${port}`,
    `http://[::ffff:7f00:1]:${port}`,
    `http://[0:0:0:0:0:ffff:127.0.0.1]:${port}`,
    `http://169.254.169.254`,
    `http://[fe80::1]:${port}`,
    ...Object.keys(PUBLIC_LOOKING).map((name) => `http://${name}:${port}`),
  ];
}

async function refusal(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    () => null,
    (err: unknown) => err as Error,
  );
  expect(outcome, 'the request should have been refused').toBeInstanceOf(Error);
  return outcome!;
}

const REFUSED = /not a public address|resolves to .* which is not a public address|private or reserved/;

describe('the control: the same requests reach the listener when the guard is opened', () => {
  it('connects through a public-looking name when private addresses are allowed', async () => {
    const open = new GuardedHttpClient({ allowPrivateNetwork: true, userAgent: 'control', lookup: dns.resolve });
    try {
      const before = target.connections;
      const res = await open.request(`http://loopback.public.example:${target.port}/control`);
      await res.discard();
      expect(res.status).toBe(200);
      expect(target.connections).toBe(before + 1);
    } finally {
      await open.close();
    }
  });

  it('parses every spelling to an address the guard calls private', () => {
    for (const url of privateSpellings(target.port).filter((u) => !u.includes('.example'))) {
      expect(isBlockedAddress(new URL(url).hostname), url).toBe(true);
    }
  });
});

describe('each outbound caller refuses private targets before connecting (production guard, stub resolver)', () => {
  const identity = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const repo = {
    find: async () => null,
    findByKeyId: async () => null,
    upsert: async () => undefined,
    markGone: async () => undefined,
  } as unknown as RemoteActorsRepository;

  it.each([
    [
      'remote actor fetch',
      (base: string) =>
        new RemoteActorsService(guarded, repo, async () => ({ keyId: 'https://l2.test/users/op#main-key', privateKey: identity })).get(
          `${base}/users/x`,
        ),
    ],
    ['L1 run', (base: string) => new L1Client(guarded).run(base, 'run-1', 'token')],
    ['L1 content', (base: string) => new L1Client(guarded).content(base, contentHashOf('x'), 'token', 1024)],
    [
      'L1 revoke notice',
      (base: string) =>
        new L1Client(guarded).notify(base, 'revoke', { token: 't' }, { keyId: 'https://l2.test/users/op#main-key', privateKey: identity }),
    ],
    ['OTS calendar stamp', (base: string) => new CalendarClient(guarded).submit(base, Buffer.alloc(32))],
    ['OTS calendar upgrade', (base: string) => new CalendarClient(guarded).upgrade(base, Buffer.alloc(32))],
    ['Esplora block header', (base: string) => new EsploraHeaderSource(guarded, base).header(800_000)],
    [
      'ActivityPub delivery (as the delivery activity posts)',
      (base: string) => guarded.request(`${base}/inbox`, { method: 'POST', body: '{}', redirect: 'manual' }),
    ],
  ])('%s', async (_caller, call) => {
    const before = target.connections;
    for (const base of privateSpellings(target.port)) {
      const error = await refusal(call(base));
      expect(error.message, base).toMatch(REFUSED);
    }
    expect(target.connections).toBe(before);
  });

  it('the remote key lookup (inbox signatures) finds no key rather than fetching one', async () => {
    const actors = new RemoteActorsService(guarded, repo, async () => ({
      keyId: 'https://l2.test/users/op#main-key',
      privateKey: identity,
    }));
    const before = target.connections;
    for (const base of privateSpellings(target.port)) expect(await actors.keyFor(`${base}/users/x#main-key`, false), base).toBeNull();
    expect(target.connections).toBe(before);
  });

  it('S3 endpoints: the SDK connects only through the guarded agents', async () => {
    const before = target.connections;
    for (const name of Object.keys(PUBLIC_LOOKING)) {
      const s3 = new S3StorageProvider(
        {
          endpoint: `http://${name}:${target.port}`,
          region: 'us-east-1',
          bucket: 'art',
          accessKeyId: 'a',
          secretAccessKey: 's',
          forcePathStyle: true,
        },
        { ...guardedAgents(false, dns.resolve), testStepTimeoutMs: 5_000 },
      );
      const diagnosis = await s3.test();
      expect(diagnosis.ok, name).toBe(false);
      await refusal(s3.stat(contentHashOf('x')));
    }
    expect(target.connections).toBe(before);
  });
});

describe('DNS answers that change between check and connect (rebinding)', () => {
  it('connects to exactly the address it checked, once per connection, so a second answer cannot redirect it', async () => {
    // 127.0.0.2 plays the public server (the one exception to the production rule); 127.0.0.1 is the victim.
    const publicServer = await listen('127.0.0.2');
    const victim = await listen('127.0.0.1', publicServer.port);
    const rebinding = stubResolver({ 'rebind.public.example': [['127.0.0.2'], ['127.0.0.1']] });
    const outbound = new GuardedHttpClient({
      allowPrivateNetwork: false,
      userAgent: 'rebind-test',
      lookup: rebinding.resolve,
      isAllowedAddress: (ip) => ip === '127.0.0.2' || !isBlockedAddress(ip),
    });
    try {
      const first = await outbound.request(`http://rebind.public.example:${publicServer.port}/first`);
      await first.discard();
      expect(first.status).toBe(200);
      // The server closed that connection; the next one resolves again and now gets the victim's address.
      const second = await refusal(outbound.request(`http://rebind.public.example:${publicServer.port}/second`));
      expect((second as OutboundRequestError).kind).toBe('blocked_address');
      expect(rebinding.asked).toEqual(['rebind.public.example', 'rebind.public.example']);
      expect(publicServer.connections).toBe(1);
      expect(victim.connections).toBe(0);
    } finally {
      await outbound.close();
    }
  });
});

describe('redirects to private addresses', () => {
  let publicServer: Listener;
  const redirectTo = new Map<string, string>();

  beforeAll(async () => {
    publicServer = await listen('127.0.0.2', 0, (req, res) => {
      const location = redirectTo.get(new URL(req.url!, 'http://x').pathname.split('/')[1] ?? '');
      res.writeHead(location ? 302 : 404, { location: location ?? '', connection: 'close' }).end();
    });
  });

  let redirecting: GuardedHttpClient;
  beforeAll(() => {
    // The production rule with one exception: 127.0.0.2 plays the public server that answers with the redirect.
    redirecting = new GuardedHttpClient({
      allowPrivateNetwork: false,
      userAgent: 'redirect-test',
      lookup: dns.resolve,
      isAllowedAddress: (ip) => ip === '127.0.0.2' || !isBlockedAddress(ip),
    });
  });
  afterAll(() => redirecting.close());

  it('refuses every private redirect target at that hop, for each caller that follows redirects', async () => {
    const client = redirecting;
    const targets = privateSpellings(target.port);
    targets.forEach((url, i) => redirectTo.set(`r${i}`, `${url}/stolen`));
    const before = target.connections;
    const callers: [string, (base: string) => Promise<unknown>][] = [
      ['plain GET', (base) => client.request(`${base}/x`)],
      ['L1 run', (base) => new L1Client(client).run(base, 'run-1', 'token')],
      ['OTS calendar', (base) => new CalendarClient(client).upgrade(base, Buffer.alloc(32))],
      ['Esplora', (base) => new EsploraHeaderSource(client, base).header(1)],
    ];
    for (const [name, call] of callers) {
      for (let i = 0; i < targets.length; i++) {
        const error = await refusal(call(`http://127.0.0.2:${publicServer.port}/r${i}`));
        expect(error.message, `${name} → ${targets[i]}`).toMatch(REFUSED);
      }
    }
    expect(publicServer.connections).toBeGreaterThan(0);
    expect(target.connections).toBe(before);
  });

  it('never follows a redirect from an inbox (deliveries ask for manual redirects)', async () => {
    redirectTo.set('inbox', `http://127.0.0.1:${target.port}/stolen`);
    const before = target.connections;
    const res = await redirecting.request(`http://127.0.0.2:${publicServer.port}/inbox`, {
      method: 'POST',
      body: '{}',
      redirect: 'manual',
    });
    await res.discard();
    expect(res.status).toBe(302);
    expect(target.connections).toBe(before);
  });
});

describe('a whole L2 with ALLOW_PRIVATE_NETWORK=false (production default)', () => {
  let server: TestServer;
  let victim: Listener;
  let token: string;

  beforeAll(async () => {
    victim = await listen();
    server = await startTestServer({
      env: {
        ALLOW_PRIVATE_NETWORK: 'false',
        DELIVERY_RETRY_SCHEDULE: '0.2',
        L1_SERVERS: `http://127.0.0.1:${victim.port}`,
        OTS_CALENDARS: `http://127.0.0.1:${victim.port},http://localhost:${victim.port}`,
        BITCOIN_ESPLORA_URL: `http://localhost:${victim.port}`,
      },
    });
    token = await registerAndLogin(server.url, 'alice');
  }, 120_000);
  afterAll(() => server?.stop());

  it('does not fetch the key of an inbox sender on a private address', async () => {
    const remote = await FakeFediverse.start();
    try {
      const eve = remote.addActor('eve');
      const follow = { id: `${remote.url}/follows/1`, type: 'Follow', actor: eve.id, object: 'https://l2.test/users/alice' };
      const res = await remote.send(`${server.url}/users/alice/inbox`, follow, eve);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('signature_unknown_key');
      expect(remote.actorFetches).toEqual([]);
    } finally {
      await remote.stop();
    }
  });

  it('records deliveries to private inboxes as failed without connecting', async () => {
    const alice = await server.database.db('users').where({ username: 'alice' }).first();
    const inboxes = [
      `http://127.0.0.1:${victim.port}/inbox`,
      `http://localhost:${victim.port}/inbox`,
      `http://[::ffff:127.0.0.1]:${victim.port}/inbox`,
    ];
    await server.database.db('followers').insert(
      inboxes.map((inbox, i) => ({
        user_id: alice.id,
        actor_id: `https://remote${i}.example/users/f`,
        inbox_url: inbox,
        state: 'accepted',
      })),
    );
    const res = await client(server.url).post('/assets', {
      token,
      json: { name: 'guarded', content_hash: contentHashOf('guarded'), asset_type: 'image' },
    });
    expect(res.status).toBe(201);
    await deliveryFinished(server.runtime.temporal, server.database.db, res.body.activity_id);
    const rows = await server.database
      .db('deliveries')
      .join('activities', 'activities.id', 'deliveries.activity_id')
      .where('activities.activity_id', res.body.activity_id);
    expect(rows).toHaveLength(inboxes.length);
    for (const row of rows) {
      expect(row.status, row.inbox_url).not.toBe('delivered');
      expect(row.last_error, row.inbox_url).toMatch(REFUSED);
    }
    expect(victim.connections).toBe(0);
  });

  it('refuses storage endpoints on private addresses when saved, and at use when a name resolves to one', async () => {
    const api = client(server.url);
    for (const url of privateSpellings(victim.port).filter((u) => !u.includes('.example'))) {
      const s3 = await api.post('/storage/add', {
        token,
        json: {
          type: 's3',
          name: 's3',
          config: { endpoint: url, region: 'us-east-1', bucket: 'art' },
          secrets: { access_key_id: 'a', secret_access_key: 's' },
        },
      });
      expect(s3.status, `${url}: ${s3.text}`).toBe(400);
      expect(s3.body.error.code).toBe('endpoint_not_allowed');
      const ipfs = await api.post('/storage/add', { token, json: { type: 'ipfs', name: 'kubo', config: { api_url: url } } });
      expect(ipfs.status, url).toBe(400);
      expect(ipfs.body.error.code).toBe('endpoint_not_allowed');
    }
    const byName = `http://localhost:${victim.port}`;
    const s3 = await api.post('/storage/add', {
      token,
      json: {
        type: 's3',
        name: 's3',
        config: { endpoint: byName, region: 'us-east-1', bucket: 'art', force_path_style: true },
        secrets: { access_key_id: 'a', secret_access_key: 's' },
      },
    });
    const ipfs = await api.post('/storage/add', { token, json: { type: 'ipfs', name: 'kubo', config: { api_url: byName } } });
    for (const added of [s3, ipfs]) {
      expect(added.status, added.text).toBe(201);
      const tested = await api.post(`/storage/${added.body.id}/test`, { token });
      expect(tested.status).toBe(200);
      expect(tested.body.ok).toBe(false);
    }
    const patched = await api.request('PATCH', `/storage/${s3.body.id}`, {
      token,
      json: { config: { endpoint: 'http://169.254.169.254' } },
    });
    expect(patched.status).toBe(400);
    expect(victim.connections).toBe(0);
  });

  it('refuses the configured L1, calendars and Esplora on private addresses through the shared client', async () => {
    const { services } = server.runtime;
    const l1 = server.config.l1Servers[0]!;
    expect((await refusal(services.l1.run(l1, 'run-1', 'token'))).message).toMatch(REFUSED);
    for (const calendar of server.config.ots.calendars) {
      expect((await refusal(new CalendarClient(services.http).submit(calendar, Buffer.alloc(32)))).message).toMatch(REFUSED);
    }
    expect((await refusal(new EsploraHeaderSource(services.http, server.config.ots.esploraUrl).header(1))).message).toMatch(REFUSED);
    expect((await refusal(services.remoteActors.get(`http://localhost:${victim.port}/users/x`))).message).toMatch(REFUSED);
    expect(victim.connections).toBe(0);
  });
});
