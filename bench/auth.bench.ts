// Authenticated GET /auth/me (JWT verify + one query for user and revocation) against a bare Koa handler.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { load, report } from './lib/load.js';
import { startBenchStack } from './lib/stack.js';

/** The same JSON body as /auth/me, served by a Koa app with one handler and nothing else. */
async function bareKoa(body: unknown): Promise<{ url: string; close(): void }> {
  const app = new Koa();
  app.use((ctx) => {
    ctx.body = body;
  });
  const server = http.createServer(app.callback());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => server.close() };
}

export async function run(): Promise<void> {
  const stack = await startBenchStack();
  let baseline: { url: string; close(): void } | undefined;
  try {
    await fetch(`${stack.url}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'bench', password: 'bench password' }),
    });
    const login = await fetch(`${stack.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'bench', password: 'bench password' }),
    });
    const { access_token: token } = (await login.json()) as { access_token: string };
    const headers = { authorization: `Bearer ${token}` };
    baseline = await bareKoa(await (await fetch(`${stack.url}/auth/me`, { headers })).json());

    await load(`${stack.url}/auth/me`, { headers, seconds: 2 });
    await load(baseline.url, { seconds: 2 });
    const ours = await load(`${stack.url}/auth/me`, { headers, seconds: 8 });
    const bare = await load(baseline.url, { seconds: 8 });
    if (ours.errors || ours.non2xx) throw new Error(`auth bench saw ${ours.errors} errors and ${ours.non2xx} non-2xx answers`);
    process.stdout.write(
      `  /auth/me p50 ${ours.p50Ms} ms p99 ${ours.p99Ms} ms (${ours.total} requests); bare Koa p50 ${bare.p50Ms} ms p99 ${bare.p99Ms} ms\n`,
    );
    report('auth', ours.requestsPerSecond, bare.requestsPerSecond, 'req/s');
  } finally {
    baseline?.close();
    await stack.stop();
  }
}
