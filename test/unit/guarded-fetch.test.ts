import http from 'node:http';
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  GuardedHttpClient,
  InvalidJsonBody,
  OutboundRequestError,
  isBlockedAddress,
  type GuardedClientOptions,
  type OutboundErrorKind,
} from '../../src/clients/guarded-fetch.js';

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface TestServer {
  origin: string;
  port: number;
  connections: number;
  requests: Received[];
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, received: Received) => void;

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** A real server on 127.0.0.1 that records every connection and request it sees. */
async function startServer(handler: Handler = (_req, res) => res.end('ok')): Promise<TestServer> {
  const state: TestServer = { origin: '', port: 0, connections: 0, requests: [] };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const received = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString() };
      state.requests.push(received);
      handler(req, res, received);
    });
  });
  server.on('connection', () => state.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as net.AddressInfo).port;
  state.origin = `http://127.0.0.1:${state.port}`;
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return state;
}

function client(options: Partial<GuardedClientOptions> = {}): GuardedHttpClient {
  const created = new GuardedHttpClient({ allowPrivateNetwork: true, userAgent: 'artdag-l2/test', ...options });
  cleanups.push(() => created.close());
  return created;
}

/** A stub resolver that answers from a table and counts how often it was asked. */
function resolver(table: Record<string, string[]>) {
  const calls: string[] = [];
  const lookup = async (hostname: string) => {
    calls.push(hostname);
    const addresses = table[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? (6 as const) : (4 as const) }));
  };
  return { lookup, calls };
}

async function failureOf(promise: Promise<unknown>): Promise<OutboundRequestError> {
  const error = await promise.then(
    () => null,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(OutboundRequestError);
  return error as OutboundRequestError;
}

async function expectKind(promise: Promise<unknown>, kind: OutboundErrorKind): Promise<OutboundRequestError> {
  const error = await failureOf(promise);
  expect(error.kind, error.message).toBe(kind);
  return error;
}

describe('GuardedHttpClient requests', () => {
  it('sends a GET with the caller headers, its user agent and no compression, and returns the answer', async () => {
    const server = await startServer((_req, res) => {
      res.setHeader('X-Answer', 'yes');
      res.end('hello');
    });
    const res = await client().request(`${server.origin}/runs/1?full=1`, { headers: { 'X-Trace': 'abc' } });
    expect(res.status).toBe(200);
    expect(res.url).toBe(`${server.origin}/runs/1?full=1`);
    expect(res.headers['x-answer']).toBe('yes');
    expect(await res.text()).toBe('hello');
    const [received] = server.requests;
    expect(received).toMatchObject({ method: 'GET', url: '/runs/1?full=1' });
    expect(received!.headers).toMatchObject({ 'x-trace': 'abc', 'user-agent': 'artdag-l2/test', 'accept-encoding': 'identity' });
  });

  it('sends a POST body and keeps a user agent the caller set', async () => {
    const server = await startServer((_req, res, received) => res.end(JSON.stringify({ echoed: received.body })));
    const res = await client().request(`${server.origin}/inbox`, {
      method: 'POST',
      headers: { 'content-type': 'application/activity+json', 'User-Agent': 'custom/1' },
      body: '{"type":"Create"}',
    });
    expect(await res.json()).toEqual({ echoed: '{"type":"Create"}' });
    expect(server.requests[0]).toMatchObject({ method: 'POST', body: '{"type":"Create"}' });
    expect(server.requests[0]!.headers).toMatchObject({ 'content-type': 'application/activity+json', 'user-agent': 'custom/1' });
  });

  it('streams a body and can discard one', async () => {
    const server = await startServer((_req, res) => res.end('x'.repeat(5000)));
    const outbound = client();
    let streamed = 0;
    for await (const chunk of (await outbound.request(server.origin)).stream()) streamed += (chunk as Buffer).length;
    expect(streamed).toBe(5000);
    await (await outbound.request(server.origin)).discard();
    expect(server.requests).toHaveLength(2);
  });

  it('rejects unsupported URLs as invalid_url', async () => {
    const outbound = client();
    await expectKind(outbound.request('ftp://files.example/a'), 'invalid_url');
    await expectKind(outbound.request('http://user:secret@files.example/a'), 'invalid_url');
    await expectKind(outbound.request('not a url'), 'invalid_url');
  });
});

describe('GuardedHttpClient address guard', () => {
  it('the URL parser folds numeric IPv4 spellings to dotted loopback', () => {
    expect(new URL('http://2130706433/').hostname).toBe('127.0.0.1');
    expect(new URL('http://0177.0.0.1/').hostname).toBe('127.0.0.1');
  });

  it.each([
    ['loopback IPv4', (port: number) => `http://127.0.0.1:${port}/`],
    ['a name resolving to loopback', (port: number) => `http://localhost:${port}/`],
    ['loopback IPv6', (port: number) => `http://[::1]:${port}/`],
    ['IPv4-mapped loopback', (port: number) => `http://[::ffff:127.0.0.1]:${port}/`],
    ['decimal loopback', (port: number) => `http://2130706433:${port}/`],
    ['octal loopback', (port: number) => `http://0177.0.0.1:${port}/`],
    ['cloud metadata', () => 'http://169.254.169.254/latest/meta-data/'],
    ['a private address', () => 'http://10.0.0.1/'],
  ])('refuses %s before connecting', async (_label, url) => {
    const server = await startServer();
    const dns = resolver({ localhost: ['127.0.0.1'] });
    const error = await expectKind(client({ allowPrivateNetwork: false, lookup: dns.lookup }).request(url(server.port)), 'blocked_address');
    expect(error.message).toMatch(/not a public address/);
    expect(server.connections).toBe(0);
  });

  it('refuses a name when any one of its addresses is private', async () => {
    const server = await startServer();
    const dns = resolver({ 'mixed.test': ['93.184.216.34', '10.1.2.3'] });
    const error = await expectKind(
      client({ allowPrivateNetwork: false, lookup: dns.lookup }).request(`http://mixed.test:${server.port}/`),
      'blocked_address',
    );
    expect(error.message).toContain('mixed.test resolves to 10.1.2.3');
    expect(server.connections).toBe(0);
  });

  it('connects to the address it checked, so a second DNS answer of 127.0.0.1 is never used', async () => {
    const server = await startServer();
    let answers = 0;
    const rebinding = async () => [{ address: answers++ === 0 ? '93.184.216.34' : '127.0.0.1', family: 4 as const }];
    const error = await failureOf(client({ allowPrivateNetwork: false, lookup: rebinding }).request(`http://rebind.test:${server.port}/`));
    // The test network guard refuses the public address the socket tried: proof it used the checked answer.
    expect(String((error.cause as Error).message)).toContain('rebind.test resolved to 93.184.216.34');
    expect(answers).toBe(1);
    expect(server.connections).toBe(0);
  });

  it('reports a name that does not resolve as dns', async () => {
    const dns = resolver({});
    const error = await expectKind(client({ allowPrivateNetwork: false, lookup: dns.lookup }).request('http://nowhere.test/'), 'dns');
    expect(error.message).toContain('could not resolve nowhere.test (ENOTFOUND)');
  });

  it('refuses a redirect to a private address at that hop', async () => {
    const targets = ['http://169.254.169.254/latest/meta-data/', 'http://10.0.0.1/admin', 'http://internal.test/'];
    const server = await startServer((req, res) => res.writeHead(302, { location: targets[Number(req.url!.slice(1))] }).end());
    const dns = resolver({ 'internal.test': ['10.0.0.7'] });
    const outbound = client({ allowPrivateNetwork: false, lookup: dns.lookup, isAllowedAddress: (ip) => ip === '127.0.0.1' });
    for (const [index, target] of targets.entries()) {
      const error = await expectKind(outbound.request(`${server.origin}/${index}`), 'blocked_address');
      expect(error.url).toBe(target);
    }
    expect(server.requests).toHaveLength(3);
  });
});

describe('GuardedHttpClient redirects', () => {
  it('follows a chain of redirects and reports the final URL', async () => {
    const server = await startServer((req, res) => {
      if (req.url === '/a') res.writeHead(301, { location: '/b' }).end();
      else if (req.url === '/b') res.writeHead(302, { location: `${server.origin}/c` }).end();
      else res.end(`at ${req.url}`);
    });
    const res = await client().request(`${server.origin}/a`);
    expect(res.url).toBe(`${server.origin}/c`);
    expect(await res.text()).toBe('at /c');
  });

  it.each([
    [301, 'GET', ''],
    [302, 'GET', ''],
    [303, 'GET', ''],
    [307, 'POST', 'payload'],
    [308, 'POST', 'payload'],
  ])('after a %i a POST becomes %s with body %j', async (status, method, body) => {
    const server = await startServer((req, res) => {
      if (req.url === '/from') res.writeHead(status, { location: '/to' }).end();
      else res.end();
    });
    await (
      await client().request(`${server.origin}/from`, { method: 'POST', body: 'payload', headers: { 'content-type': 'text/plain' } })
    ).discard();
    const final = server.requests[1]!;
    expect(final).toMatchObject({ url: '/to', method, body });
    expect(final.headers['content-type']).toBe(body ? 'text/plain' : undefined);
  });

  it('drops authorization and cookie on a redirect to another origin, keeps them on the same origin', async () => {
    const other = await startServer();
    const server = await startServer((req, res) => {
      if (req.url === '/same') res.writeHead(302, { location: '/cross' }).end();
      else if (req.url === '/cross') res.writeHead(307, { location: `${other.origin}/landing` }).end();
      else res.end();
    });
    const headers = { authorization: 'Bearer secret', cookie: 'session=1', 'x-keep': 'kept' };
    await (await client().request(`${server.origin}/same`, { headers })).discard();
    expect(server.requests[1]!.headers).toMatchObject(headers);
    expect(other.requests[0]!.headers).toMatchObject({ 'x-keep': 'kept' });
    expect(other.requests[0]!.headers.authorization).toBeUndefined();
    expect(other.requests[0]!.headers.cookie).toBeUndefined();
  });

  it('returns the redirect itself when asked for manual redirects', async () => {
    const server = await startServer((_req, res) => res.writeHead(302, { location: '/elsewhere' }).end());
    const res = await client().request(`${server.origin}/`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/elsewhere');
    expect(server.requests).toHaveLength(1);
  });

  it('gives up after maxRedirects with too_many_redirects', async () => {
    const server = await startServer((_req, res) => res.writeHead(302, { location: '/again' }).end());
    await expectKind(client({ maxRedirects: 3 }).request(`${server.origin}/`), 'too_many_redirects');
    expect(server.requests).toHaveLength(4);
  });
});

describe('GuardedHttpClient limits and failures', () => {
  it('refuses a Content-Length over the cap before reading the body', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-length': '1000000' });
      res.write('x');
    });
    const error = await expectKind(client({ maxBytes: 1024 }).request(server.origin), 'too_large');
    expect(error.message).toContain('Content-Length 1000000');
  });

  it('ends an endless chunked body with too_large, for text() and for stream()', async () => {
    const chunk = Buffer.alloc(16 * 1024, 'a');
    const server = await startServer((_req, res) => {
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    const outbound = client({ maxBytes: 256 * 1024 });
    await expectKind((await outbound.request(server.origin)).text(), 'too_large');
    const consume = async () => {
      for await (const _ of (await outbound.request(server.origin)).stream());
    };
    await expectKind(consume(), 'too_large');
  });

  it('times out when the server holds its answer past the deadline', async () => {
    const server = await startServer(() => undefined);
    const error = await expectKind(client({ timeoutMs: 200 }).request(server.origin), 'timeout');
    expect(error.message).toContain('within 200 ms');
    expect(server.requests).toHaveLength(1);
  });

  it('times out while reading a body that stops arriving', async () => {
    const server = await startServer((_req, res) => res.write('partial'));
    const res = await client().request(server.origin, { timeoutMs: 200 });
    await expectKind(res.text(), 'timeout');
  });

  it('passes the caller abort through as the caller reason', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled by the workflow');
    const server = await startServer(() => controller.abort(reason));
    await expect(client().request(server.origin, { signal: controller.signal })).rejects.toBe(reason);
  });

  it('reports a closed port as refused', async () => {
    const server = await startServer();
    // Closing the server (its cleanup is the latest) leaves a port nothing listens on.
    await cleanups.pop()!();
    const error = await expectKind(client().request(`${server.origin}/runs/1`), 'refused');
    expect(error.message).toBe(`GET ${server.origin}/runs/1: connection refused by 127.0.0.1:${server.port}`);
  });

  it('reports a dropped connection as reset', async () => {
    const server = await startServer((req) => req.socket.destroy());
    await expectKind(client().request(server.origin), 'reset');
  });

  it('reports a TLS handshake failure as tls', async () => {
    const server = await startServer();
    await expectKind(client().request(`https://127.0.0.1:${server.port}/`), 'tls');
  });

  it('explains a body that is not JSON', async () => {
    const server = await startServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><p>Not here</p>'),
    );
    const error = await (await client().request(server.origin)).json().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(InvalidJsonBody);
    expect((error as Error).message).toContain('text/html');
    expect((error as Error).message).toContain('<!doctype html><p>Not here</p>');
  });
});

// Every special-purpose range named in the address rules, at its edges where an off-by-one would show.
const NOT_PUBLIC = [
  ...'0.0.0.0 10.0.0.1 100.64.0.1 100.127.255.255 127.0.0.1 127.255.255.254 169.254.169.254 172.16.0.1 172.31.255.255'.split(' '),
  ...'192.0.0.8 192.0.2.1 192.168.1.1 198.18.0.1 198.19.255.255 198.51.100.7 203.0.113.9 224.0.0.1 239.255.255.250'.split(' '),
  ...'240.0.0.1 255.255.255.255 :: ::1 fc00::1 fd12:3456::1 fe80::1 fe80::1%eth0 ff02::1 2001:db8::1'.split(' '),
  ...'::ffff:127.0.0.1 ::ffff:10.0.0.1 ::ffff:7f00:1 64:ff9b::127.0.0.1 64:ff9b::a00:1 2002:7f00:1::1 2002:a9fe:a9fe::'.split(' '),
  ...['[::1]', 'localhost', 'not an address'],
];
const PUBLIC = [
  ...'8.8.8.8 1.1.1.1 93.184.216.34 100.63.255.255 100.128.0.0 172.15.255.255 172.32.0.0 198.17.255.255 198.20.0.0'.split(' '),
  ...'223.255.255.255 2606:4700::1111 2001:4860:4860::8888 ::ffff:8.8.8.8 64:ff9b::808:808 2002:808:808::1'.split(' '),
];

describe('isBlockedAddress', () => {
  it.each(NOT_PUBLIC)('blocks %s', (ip) => {
    expect(isBlockedAddress(ip)).toBe(true);
  });

  it.each(PUBLIC)('allows public %s', (ip) => {
    expect(isBlockedAddress(ip)).toBe(false);
  });
});
