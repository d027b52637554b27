// L2 against a secured Temporal frontend: TLS with a private CA, a client certificate (mTLS) and an API key,
// as a self-hosted cluster with certificates or Temporal Cloud asks. A small gRPC proxy in front of the test
// dev server plays that frontend: it terminates TLS, requires the client certificate and the bearer key, and
// forwards everything else unchanged.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestServer } from '../helpers/server.js';

const API_KEY = 'test-key.1234';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'temporal-tls-'));
const file = (name: string) => path.join(dir, name);

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore', cwd: dir });
}

/** A CA, a server certificate for temporal.test and a client certificate, all signed by that CA. */
function makeCertificates(): void {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(
    'req',
    '-x509',
    ...ec,
    '-days',
    '2',
    '-subj',
    '/CN=artdag test CA',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  for (const [name, cn, ext] of [
    ['server', 'temporal.test', 'subjectAltName=DNS:temporal.test\nextendedKeyUsage=serverAuth\n'],
    ['client', 'artdag-l2', 'subjectAltName=DNS:artdag-l2\nextendedKeyUsage=clientAuth\n'],
  ] as const) {
    fs.writeFileSync(file(`${name}.ext`), `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n${ext}`);
    openssl('req', '-new', ...ec, '-subj', `/CN=${cn}`, '-keyout', `${name}.key`, '-out', `${name}.csr`);
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.crt`,
    );
  }
}

interface Seen {
  calls: number;
  withClientCert: number;
  refused: number;
}

/** The secured frontend: checks the client certificate (TLS) and the API key, then forwards to the dev server. */
function startProxy(upstreamAddress: string, seen: Seen): Promise<http2.Http2SecureServer> {
  const upstream = http2.connect(`http://${upstreamAddress}`);
  const server = http2.createSecureServer({
    key: fs.readFileSync(file('server.key')),
    cert: fs.readFileSync(file('server.crt')),
    ca: fs.readFileSync(file('ca.crt')),
    requestCert: true,
    rejectUnauthorized: true,
  });
  server.on('stream', (stream, headers) => {
    seen.calls += 1;
    if ((stream.session?.socket as TLSSocket | undefined)?.authorized) seen.withClientCert += 1;
    if (headers.authorization !== `Bearer ${API_KEY}`) {
      seen.refused += 1;
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '16', 'grpc-message': 'missing or wrong API key' },
        { endStream: true },
      );
      return;
    }
    const forwarded: http2.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(headers)) if (name !== ':authority' && name !== ':scheme') forwarded[name] = value;
    const request = upstream.request(forwarded);
    let trailers: http2.IncomingHttpHeaders = {};
    request.on('trailers', (t) => (trailers = t));
    request.on('response', (responseHeaders) => {
      const trailersOnly = 'grpc-status' in responseHeaders;
      stream.respond(responseHeaders, trailersOnly ? { endStream: true } : { waitForTrailers: true });
      if (!trailersOnly) request.pipe(stream);
    });
    stream.on('wantTrailers', () => stream.sendTrailers(trailers));
    stream.pipe(request);
    stream.on('close', () => request.close());
    request.on('error', () => stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR));
  });
  // Clients that failed to connect may leave their sessions open: close() would wait for them for ever.
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  server.on('close', () => upstream.close());
  const close = server.close.bind(server);
  server.close = (callback) => {
    for (const session of sessions) session.destroy();
    return close(callback);
  };
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const seen: Seen = { calls: 0, withClientCert: 0, refused: 0 };
let proxy: http2.Http2SecureServer;
let address: string;

beforeAll(async () => {
  makeCertificates();
  fs.writeFileSync(file('api-key'), `${API_KEY}\n`);
  proxy = await startProxy(inject('temporalAddress'), seen);
  address = `127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => proxy.close(() => resolve()));
  fs.rmSync(dir, { recursive: true, force: true });
});

function secured(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: address,
    TEMPORAL_TLS_CA_FILE: file('ca.crt'),
    TEMPORAL_TLS_CERT_FILE: file('client.crt'),
    TEMPORAL_TLS_KEY_FILE: file('client.key'),
    TEMPORAL_TLS_SERVER_NAME: 'temporal.test',
    TEMPORAL_API_KEY_FILE: file('api-key'),
    ...overrides,
  };
}

describe('a secured Temporal frontend', () => {
  it('serves the api and runs workflows on the worker over mTLS with the API key', async () => {
    const server = await startTestServer({ env: secured() });
    try {
      const { runtime, config } = server;
      const ready = await fetch(`${server.url}/ready`);
      expect(await ready.json()).toEqual({ status: 'ok', database: 'ok', temporal: 'ok' });
      // Started by the api's client and run by the worker: both connections go through the proxy.
      const result = await runtime.temporal.workflow.execute('purgeExpiredRevocationsWorkflow', {
        taskQueue: config.temporal.taskQueue,
        workflowId: `tls-${randomUUID()}`,
      });
      expect(result).toEqual({ purged: 0 });
      expect(seen.calls).toBeGreaterThan(5);
      expect(seen.withClientCert).toBe(seen.calls);
      expect(seen.refused).toBe(0);
    } finally {
      await server.stop();
    }
  });

  it('fails to start with a wrong API key, saying what Temporal answered', async () => {
    fs.writeFileSync(file('wrong-key'), 'not-the-key\n');
    const refusedBefore = seen.refused;
    await expect(startTestServer({ env: secured({ TEMPORAL_API_KEY_FILE: file('wrong-key') }) })).rejects.toThrow(
      `cannot connect to Temporal at ${address}: 16 UNAUTHENTICATED: missing or wrong API key`,
    );
    expect(seen.refused).toBeGreaterThan(refusedBefore);
  });

  it('fails to start when it does not trust the frontend certificate', async () => {
    const callsBefore = seen.calls;
    await expect(startTestServer({ env: secured({ TEMPORAL_TLS_CA_FILE: file('client.crt') }) })).rejects.toThrow(
      /^cannot connect to Temporal at 127\.0\.0\.1:\d+: /,
    );
    // The handshake failed, so not one request (nor the API key) reached the frontend.
    expect(seen.calls).toBe(callsBefore);
  });
});
