// SSRF through the IPFS storage provider's Kubo RPC calls, and the operator's STORAGE_PRIVATE_HOSTS exception.
// Part one builds the provider on the production storage guard (private addresses refused) with a stub resolver;
// 127.0.0.2 plays the one "public" server, 127.0.0.1 the internal victim (a cloud metadata service). Redirects
// from the RPC API must never be followed, DNS answers that change must never reach the victim (http or https),
// and nothing the servers send may reach the user beyond a status and a short, cleaned Kubo message. Part two
// runs a whole L2 with ALLOW_PRIVATE_NETWORK=false and a real Kubo listed in STORAGE_PRIVATE_HOSTS.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CalendarClient } from '../../src/clients/calendar-client.js';
import { EsploraHeaderSource } from '../../src/clients/esplora-client.js';
import { isBlockedAddress, OutboundRequestError, type Resolver } from '../../src/clients/guarded-fetch.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { contentHashOf } from '../../src/domain/content-hash.js';
import { IpfsStorageProvider } from '../../src/storage/ipfs-provider.js';
import { S3StorageProvider } from '../../src/storage/s3-provider.js';
import { StorageOutbound } from '../../src/storage/storage-outbound.js';
import type { Diagnosis } from '../../src/storage/storage-provider.js';
import { client, registerAndLogin } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startKubo, type KuboServer } from '../helpers/storage-servers.js';
import { stubResolver } from './stub-resolver.js';

const SECRET = `AKIA-INSTANCE-ROLE-${randomBytes(8).toString('hex')}`;
const PUBLIC_STAND_IN = '127.0.0.2';

interface Listener {
  host: string;
  port: number;
  readonly connections: number;
  readonly paths: string[];
  close(): Promise<void>;
}

const listeners: Listener[] = [];
const guards: StorageOutbound[] = [];

/** An HTTP server on a loopback address that counts connections; without `answer` it is the metadata service. */
async function listen(host: string, port = 0, answer?: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<Listener> {
  const state = { connections: 0, paths: [] as string[] };
  const server = http.createServer((req, res) => {
    state.paths.push(req.url ?? '');
    // Drain the request body (an upload) before answering, so the client sees the answer, not a reset.
    req.resume();
    req.on('end', () => {
      if (answer) answer(req, res);
      else res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' }).end(`role credentials: ${SECRET}`);
    });
  });
  server.on('connection', () => state.connections++);
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const listener: Listener = {
    host,
    port: (server.address() as net.AddressInfo).port,
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

/** The production storage guard, except that 127.0.0.2 counts as public and DNS is a stub. */
function productionGuard(resolve: Resolver, privateHosts: string[] = []): StorageOutbound {
  const guard = new StorageOutbound({
    allowPrivateNetwork: false,
    privateHosts,
    userAgent: 'artdag-l2/ssrf-ipfs-test',
    resolve,
    isAllowedAddress: (ip) => ip === PUBLIC_STAND_IN || !isBlockedAddress(ip),
  });
  guards.push(guard);
  return guard;
}

function provider(guard: StorageOutbound, apiUrl: string, cid: string | null = null): IpfsStorageProvider {
  return new IpfsStorageProvider({ apiUrl }, async () => cid, { http: guard.httpFor(apiUrl), timeoutMs: 5_000 });
}

async function refusal(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    () => null,
    (err: unknown) => err as Error,
  );
  expect(outcome, 'the call should have failed').toBeInstanceOf(Error);
  return outcome!;
}

/** Everything a user can see of a diagnosis. */
function shown(diagnosis: Diagnosis): string {
  return JSON.stringify(diagnosis);
}

const stored = contentHashOf('stored on the node');
function kuboVersion(res: http.ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json', connection: 'close' }).end('{"Version":"0.43.1"}');
}

let victim: Listener;

beforeAll(async () => {
  victim = await listen('127.0.0.1');
});
afterAll(async () => {
  for (const guard of guards) await guard.close();
  for (const listener of listeners) await listener.close();
});

describe('redirects from the Kubo RPC API', () => {
  let publicServer: Listener;
  let status = 307;

  beforeAll(async () => {
    publicServer = await listen(PUBLIC_STAND_IN, 0, (_req, res) => {
      res.writeHead(status, { location: `http://127.0.0.1:${victim.port}/latest/meta-data/iam`, connection: 'close' }).end();
    });
  });

  it('the control: a client that follows redirects (Node fetch, as kubo-rpc-client did) reads the victim', async () => {
    const before = victim.connections;
    const res = await fetch(`http://${PUBLIC_STAND_IN}:${publicServer.port}/api/v0/version`, { method: 'POST' });
    expect(await res.text()).toContain(SECRET);
    expect(victim.connections).toBe(before + 1);
  });

  it('the storage test refuses a 307 to the metadata service and shows none of it', async () => {
    status = 307;
    const dns = stubResolver({ 'kubo.public.example': [[PUBLIC_STAND_IN]] });
    const before = { victim: victim.connections, public: publicServer.connections };
    const diagnosis = await provider(productionGuard(dns.resolve), `http://kubo.public.example:${publicServer.port}`).test();
    expect(diagnosis).toMatchObject({ ok: false, failure: 'other' });
    expect(diagnosis.checks).toEqual([
      { name: 'api', ok: false, detail: expect.stringMatching(/HTTP 307, a redirect, which is never followed/) },
    ]);
    expect(shown(diagnosis)).not.toContain(SECRET);
    expect(shown(diagnosis)).not.toContain('meta-data');
    expect(publicServer.connections).toBe(before.public + 1);
    expect(victim.connections).toBe(before.victim);
  });

  it('refuses every 3xx on every call the provider makes, without connecting to the target', async () => {
    const before = victim.connections;
    const apiUrl = `http://${PUBLIC_STAND_IN}:${publicServer.port}`;
    const guard = productionGuard(stubResolver({}).resolve);
    for (const code of [300, 301, 302, 303, 304, 307, 308]) {
      status = code;
      const ipfs = provider(guard, apiUrl, 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy');
      const failures = [
        await refusal(ipfs.has(stored)),
        await refusal(ipfs.stat(stored)),
        await refusal(ipfs.get(stored)),
        await refusal(ipfs.remove(stored)),
        await refusal(ipfs.put(Readable.from([Buffer.from('new content')]), {})),
      ];
      for (const error of failures) {
        expect(error.message, `${code}`).toMatch(new RegExp(`HTTP ${code}, a redirect, which is never followed`));
        expect(error.message).not.toContain(SECRET);
      }
      expect((await ipfs.test()).ok).toBe(false);
    }
    expect(victim.connections).toBe(before);
  });
});

describe('DNS answers that change between check and connect (rebinding)', () => {
  it('http: each connection resolves inside connect, so a second answer pointing inside is refused', async () => {
    const publicServer = await listen(PUBLIC_STAND_IN, 0, (_req, res) => kuboVersion(res));
    const inside = await listen('127.0.0.1', publicServer.port);
    const dns = stubResolver({ 'rebind.public.example': [[PUBLIC_STAND_IN], ['127.0.0.1']] });
    const diagnosis = await provider(productionGuard(dns.resolve), `http://rebind.public.example:${publicServer.port}`).test();
    // The version call reached the checked public address; its connection closed, and the add's lookup got 127.0.0.1.
    expect(diagnosis.checks.map((c) => [c.name, c.ok])).toEqual([
      ['api', true],
      ['write', false],
    ]);
    expect(diagnosis.message).toMatch(/private or reserved address.*STORAGE_PRIVATE_HOSTS/);
    expect(dns.asked).toEqual(['rebind.public.example', 'rebind.public.example']);
    expect(publicServer.paths).toEqual(['/api/v0/version']);
    expect(inside.connections).toBe(0);
  });

  it('https: the name is checked in the socket lookup too, so rebinding is refused', async () => {
    // A TCP listener stands in for the public TLS server: it hangs up on the handshake, but counts where it went.
    let publicConnections = 0;
    const publicTls = net.createServer((socket) => {
      publicConnections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => publicTls.listen(0, PUBLIC_STAND_IN, resolve));
    const port = (publicTls.address() as net.AddressInfo).port;
    const inside = await listen('127.0.0.1', port);
    try {
      const dns = stubResolver({ 'rebind-tls.public.example': [[PUBLIC_STAND_IN], ['127.0.0.1']] });
      const cid = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy';
      const ipfs = provider(productionGuard(dns.resolve), `https://rebind-tls.public.example:${port}`, cid);
      const first = await refusal(ipfs.has(stored));
      expect((first.cause as OutboundRequestError).kind).not.toBe('blocked_address');
      expect(publicConnections).toBe(1);
      const second = await refusal(ipfs.has(stored));
      expect((second.cause as OutboundRequestError).kind).toBe('blocked_address');
      expect(dns.asked).toEqual(['rebind-tls.public.example', 'rebind-tls.public.example']);
      const direct = stubResolver({ 'metadata.public.example': [['169.254.169.254']], 'mapped.public.example': [['::ffff:127.0.0.1']] });
      for (const name of ['metadata.public.example', 'mapped.public.example']) {
        const diagnosis = await provider(productionGuard(direct.resolve), `https://${name}:${port}`).test();
        expect(diagnosis.checks[0]!.detail, name).toMatch(/not a public address/);
      }
      expect(publicConnections).toBe(1);
      expect(inside.connections).toBe(0);
    } finally {
      await new Promise((resolve) => publicTls.close(resolve));
    }
  });
});

describe('what a hostile RPC server says never reaches the user beyond a status and a short Kubo message', () => {
  const answers: Record<string, (res: http.ServerResponse) => void> = {};
  let hostile: Listener;
  const json = (status: number, body: unknown) => (res: http.ServerResponse) =>
    res.writeHead(status, { 'content-type': 'application/json', connection: 'close' }).end(JSON.stringify(body));

  beforeAll(async () => {
    hostile = await listen(PUBLIC_STAND_IN, 0, (req, res) => {
      const answer = answers[new URL(req.url!, 'http://x').pathname];
      if (answer) answer(res);
      else res.writeHead(404, { connection: 'close' }).end();
    });
  });

  async function diagnose(): Promise<Diagnosis> {
    return provider(productionGuard(stubResolver({}).resolve), `http://${PUBLIC_STAND_IN}:${hostile.port}`).test();
  }

  it.each([
    ['an HTML page', (res: http.ServerResponse) => res.writeHead(200, { 'content-type': 'text/html' }).end(`<h1>${SECRET}</h1>`)],
    ['a plain 500', (res: http.ServerResponse) => res.writeHead(500, { 'content-type': 'text/plain' }).end(SECRET)],
    ['a 403 with a JSON body that is not Kubo’s', json(403, { error: SECRET, Detail: SECRET })],
    ['a version that is not a version', json(200, { Version: `<script>${SECRET}</script>` })],
    [
      'an endless body',
      (res: http.ServerResponse) => res.writeHead(200, { 'content-type': 'application/json' }).end(SECRET.repeat(100_000)),
    ],
  ])('%s from version', async (_what, answer) => {
    answers['/api/v0/version'] = answer;
    const diagnosis = await diagnose();
    expect(shown(diagnosis)).not.toContain(SECRET);
    expect(diagnosis.checks[0]!.detail.length).toBeLessThanOrEqual(400);
  });

  it("cuts Kubo's Message to 200 cleaned characters and drops the rest of the error body", async () => {
    const message = `${'a'.repeat(120)}\u001b[31m\r\nInjected: line ${'b'.repeat(100)} ${SECRET}`;
    answers['/api/v0/version'] = json(500, { Message: message, Code: 0, Type: 'error', Trace: SECRET });
    const diagnosis = await diagnose();
    const detail = diagnosis.checks[0]!.detail;
    expect(detail).toMatch(/HTTP 500: a{120} \[31m Injected: line b+…$/);
    for (const control of ['\r', '\n', '\u001b']) expect(detail).not.toContain(control);
    expect(shown(diagnosis)).not.toContain(SECRET);
  });

  it('refuses CIDs and pins that are not CIDs, without echoing them', async () => {
    answers['/api/v0/version'] = kuboVersion;
    answers['/api/v0/add'] = json(200, { Name: SECRET, Hash: `../${SECRET}`, Size: '1' });
    const diagnosis = await diagnose();
    expect(diagnosis.checks.map((c) => [c.name, c.ok])).toEqual([
      ['api', true],
      ['write', false],
    ]);
    expect(diagnosis.checks[1]!.detail).toMatch(/no valid CID/);
    expect(shown(diagnosis)).not.toContain(SECRET);
  });
});

describe('STORAGE_PRIVATE_HOSTS', () => {
  let kubo: KuboServer;
  let kuboPort: string;

  beforeAll(async () => {
    kubo = await startKubo(fs.mkdtempSync(path.join(inject('testRoot'), 'ssrf-ipfs-kubo-')));
    kuboPort = new URL(kubo.apiUrl).port;
  }, 20 * 60_000);
  afterAll(() => kubo?.stop());

  it('is a comma-separated list of host or host:port, checked at start-up', () => {
    expect(loadConfig({}).storagePrivateHosts).toEqual([]);
    expect(loadConfig({ STORAGE_PRIVATE_HOSTS: ' kubo:5001, minio ,[fd00::5]:9000' }).storagePrivateHosts).toEqual([
      'kubo:5001',
      'minio',
      '[fd00::5]:9000',
    ]);
    for (const bad of ['http://kubo:5001', 'kubo:5001/api', 'kubo:port', 'user@kubo']) {
      expect(() => loadConfig({ STORAGE_PRIVATE_HOSTS: bad }), bad).toThrow(ConfigError);
    }
  });

  it('lets exactly the listed host:port reach its private address: a real Kubo passes the storage test', async () => {
    const dns = stubResolver({ kubo: [['127.0.0.1']], 'kubo.': [['127.0.0.1']], 'other.internal': [['127.0.0.1']] });
    const guard = productionGuard(dns.resolve, [`kubo:${kuboPort}`]);
    const listed = `http://kubo:${kuboPort}`;
    expect(guard.checkEndpoint(listed, 'config.api_url')).toBe(listed);
    const diagnosis = await provider(guard, listed).test();
    expect(diagnosis).toMatchObject({ ok: true });
    expect(diagnosis.checks[0]!.detail).toBe('Kubo 0.43.1 answers');

    const otherPort = await listen('127.0.0.1');
    for (const url of [`http://kubo:${otherPort.port}`, `http://other.internal:${kuboPort}`, `http://KUBO.:${kuboPort}`]) {
      const refused = await provider(guard, url).test();
      expect(refused.checks[0]!.detail, url).toMatch(/not a public address/);
    }
    expect(() => guard.checkEndpoint(`http://127.0.0.1:${kuboPort}`, 'config.api_url')).toThrow(/private or reserved/);
    expect(otherPort.connections).toBe(0);
  });

  it('admits a listed IP literal and a bare host on any port, and nothing else', async () => {
    const byAddress = productionGuard(stubResolver({}).resolve, [`127.0.0.1:${kuboPort}`]);
    expect((await provider(byAddress, kubo.apiUrl).test()).ok).toBe(true);
    const elsewhere = await listen('127.0.0.1');
    expect(() => byAddress.checkEndpoint(`http://127.0.0.1:${elsewhere.port}`, 'config.api_url')).toThrow(/private or reserved/);
    expect((await provider(byAddress, `http://127.0.0.1:${elsewhere.port}`).test()).checks[0]!.detail).toMatch(/not a public address/);
    expect(elsewhere.connections).toBe(0);

    const bare = productionGuard(stubResolver({ kubo: [['127.0.0.1']] }).resolve, ['kubo']);
    expect((await provider(bare, `http://kubo:${kuboPort}`).test()).ok).toBe(true);
  });

  it('S3 agents: a listed host reaches its private address, an unlisted name does not', async () => {
    const s3Server = await listen('127.0.0.1');
    const dns = stubResolver({ minio: [['127.0.0.1']], 'minio-copy': [['127.0.0.1']] });
    const guard = productionGuard(dns.resolve, [`minio:${s3Server.port}`]);
    const s3 = (endpoint: string) =>
      new S3StorageProvider(
        { endpoint, region: 'us-east-1', bucket: 'art', forcePathStyle: true, accessKeyId: 'a', secretAccessKey: 's' },
        { ...guard.agentsFor(endpoint), testStepTimeoutMs: 5_000 },
      );
    await s3(`http://minio-copy:${s3Server.port}`).test();
    expect(s3Server.connections).toBe(0);
    await s3(`http://minio:${s3Server.port}`).test();
    expect(s3Server.connections).toBeGreaterThan(0);
  });

  describe('in a whole L2 with ALLOW_PRIVATE_NETWORK=false', () => {
    let server: TestServer;
    let token: string;
    let internal: Listener;
    let hostile: Listener;

    beforeAll(async () => {
      // A listed internal service that is not Kubo, and a listed "Kubo" that redirects to the metadata service.
      internal = await listen('127.0.0.1', 0, (_req, res) => res.writeHead(404, { connection: 'close' }).end(SECRET));
      hostile = await listen('127.0.0.1', 0, (_req, res) =>
        res.writeHead(307, { location: `http://127.0.0.1:${victim.port}/latest/meta-data`, connection: 'close' }).end(),
      );
      const listedUrl = `http://127.0.0.1:${internal.port}`;
      server = await startTestServer({
        env: {
          ALLOW_PRIVATE_NETWORK: 'false',
          STORAGE_PRIVATE_HOSTS: `127.0.0.1:${kuboPort},127.0.0.1:${internal.port},127.0.0.1:${hostile.port}`,
          L1_SERVERS: listedUrl,
          OTS_CALENDARS: `${listedUrl},http://127.0.0.1:${kuboPort}`,
          BITCOIN_ESPLORA_URL: listedUrl,
        },
      });
      token = await registerAndLogin(server.url, 'alice');
    }, 120_000);
    afterAll(() => server?.stop());

    async function addAndTest(name: string, apiUrl: string) {
      const api = client(server.url);
      const added = await api.post('/storage/add', { token, json: { type: 'ipfs', name, config: { api_url: apiUrl } } });
      expect(added.status, added.text).toBe(201);
      const tested = await api.post(`/storage/${added.body.id}/test`, { token });
      expect(tested.status).toBe(200);
      return { id: added.body.id as number, diagnosis: tested.body as Diagnosis };
    }

    it('the listed Kubo works as a storage provider; an unlisted private endpoint is refused when saved', async () => {
      const { diagnosis } = await addAndTest('stack-kubo', kubo.apiUrl);
      expect(diagnosis).toMatchObject({ ok: true });
      const unlisted = await client(server.url).post('/storage/add', {
        token,
        json: { type: 'ipfs', name: 'unlisted', config: { api_url: `http://127.0.0.1:${victim.port}` } },
      });
      expect(unlisted.status).toBe(400);
      expect(unlisted.body.error.code).toBe('endpoint_not_allowed');
    });

    it('a listed endpoint that redirects gets no further, and the user sees none of any body', async () => {
      const before = victim.connections;
      const redirecting = await addAndTest('redirecting', `http://127.0.0.1:${hostile.port}`);
      expect(redirecting.diagnosis).toMatchObject({ ok: false });
      expect(redirecting.diagnosis.checks[0]!.detail).toMatch(/HTTP 307, a redirect, which is never followed/);
      const notKubo = await addAndTest('not-kubo', `http://127.0.0.1:${internal.port}`);
      expect(notKubo.diagnosis).toMatchObject({ ok: false, failure: 'not_found' });
      expect(victim.connections).toBe(before);
      const listing = await client(server.url).get('/storage', { token });
      const page = await client(server.url).get('/storage', { token, headers: { accept: 'text/html' } });
      for (const text of [JSON.stringify(redirecting.diagnosis), JSON.stringify(notKubo.diagnosis), listing.text, page.text]) {
        expect(text).not.toContain(SECRET);
        expect(text).not.toContain('meta-data');
      }
      expect(listing.text).toContain('a redirect, which is never followed');
    });

    it('federation, L1, calendars and Esplora get no exception: the same host:port stays refused', async () => {
      const before = internal.connections;
      const { services } = server.runtime;
      const refused = /not a public address/;
      expect((await refusal(services.l1.run(server.config.l1Servers[0]!, 'run-1', 'token'))).message).toMatch(refused);
      expect((await refusal(services.l1.content(server.config.l1Servers[0]!, stored, 'token', 1024))).message).toMatch(refused);
      for (const calendar of server.config.ots.calendars) {
        expect((await refusal(new CalendarClient(services.http).submit(calendar, Buffer.alloc(32)))).message).toMatch(refused);
      }
      expect((await refusal(new EsploraHeaderSource(services.http, server.config.ots.esploraUrl).header(1))).message).toMatch(refused);
      expect((await refusal(services.remoteActors.get(`http://127.0.0.1:${internal.port}/users/x`))).message).toMatch(refused);
      expect((await refusal(services.http.request(`http://127.0.0.1:${kuboPort}/api/v0/version`, { method: 'POST' }))).message).toMatch(
        refused,
      );
      expect(internal.connections).toBe(before);
    });
  });
});
