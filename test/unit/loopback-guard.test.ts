import http from 'node:http';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { NonLoopbackConnection } from '../helpers/loopback-only.js';

function connect(options: net.NetConnectOpts): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(options);
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', reject);
  });
}

describe('the test network guard', () => {
  it('refuses a connection to a non-loopback address before connecting', async () => {
    await expect(connect({ host: '192.0.2.10', port: 80 })).rejects.toBeInstanceOf(NonLoopbackConnection);
  });

  it('refuses a host name that resolves outside loopback', async () => {
    const lookup: net.LookupFunction = (_host, _opts, cb) => cb(null, '198.51.100.7', 4);
    await expect(connect({ host: 'remote.example', port: 80, lookup })).rejects.toBeInstanceOf(NonLoopbackConnection);
  });

  it('refuses fetch to a public address', async () => {
    const error = await fetch('http://192.0.2.10/').catch((err: Error) => err);
    expect(error).toBeInstanceOf(Error);
    expect(String((error as Error & { cause?: unknown }).cause)).toContain('tests may only connect to loopback');
  });

  it('allows loopback', async () => {
    const server = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as net.AddressInfo;
    try {
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('ok');
      expect(await (await fetch(`http://localhost:${port}/`)).text()).toBe('ok');
    } finally {
      server.close();
    }
  });
});
