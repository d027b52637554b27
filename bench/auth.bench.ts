// Two figures. Authenticated GET /auth/me (JWT verify + one query for user and revocation) against a bare Koa
// handler; then the reported one: POST /auth/verify, as L1s call it (allowlist, signature, expiry, audience, and
// the revocation/attachment query), against "raw jose": a bare Koa handler that only parses the same JSON body
// and runs jose's jwtVerify on the token. Both behind the same HTTP stack and load generator.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { jwtVerify } from 'jose';
import Koa from 'koa';
import { load, report } from './lib/load.js';
import { BENCH_JWT_SECRET, startBenchStack } from './lib/stack.js';

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

/** The baseline for /auth/verify: parse the JSON body, jose-verify the token, answer its subject. */
async function rawJose(secret: string, issuer: string): Promise<{ url: string; close(): void }> {
  const key = new TextEncoder().encode(secret);
  const app = new Koa();
  app.use(async (ctx) => {
    const chunks: Buffer[] = [];
    for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
    const { token } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { token: string };
    const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], issuer });
    ctx.body = { valid: true, username: payload.sub, expires_at: new Date(payload.exp! * 1000).toISOString() };
  });
  const server = http.createServer(app.callback());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => server.close() };
}

/** jwtVerify in a plain loop, in process: the cost of the crypto alone, for context. */
async function joseLoop(token: string, secret: string, issuer: string, ms: number): Promise<number> {
  const key = new TextEncoder().encode(secret);
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < ms) {
    await jwtVerify(token, key, { algorithms: ['HS256'], issuer });
    n++;
  }
  return n / ((performance.now() - start) / 1000);
}

const L1 = 'http://127.0.0.1:9';

export async function run(): Promise<void> {
  const stack = await startBenchStack({ L1_SERVERS: L1 });
  let baseline: { url: string; close(): void } | undefined;
  let joseServer: { url: string; close(): void } | undefined;
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
      `  /auth/me ${Math.round(ours.requestsPerSecond)} req/s p50 ${ours.p50Ms} ms p99 ${ours.p99Ms} ms (${ours.total} requests); ` +
        `bare Koa ${Math.round(bare.requestsPerSecond)} req/s p50 ${bare.p50Ms} ms p99 ${bare.p99Ms} ms; ratio ${(ours.requestsPerSecond / bare.requestsPerSecond).toFixed(2)}\n`,
    );

    // A renderer token for one L1, as GET /renderers/attach hands it out.
    const attach = await fetch(`${stack.url}/renderers/attach?l1=${encodeURIComponent(L1)}`, { headers, redirect: 'manual' });
    const rendererToken = new URL(attach.headers.get('location')!).searchParams.get('auth_token')!;
    const body = JSON.stringify({ token: rendererToken, l1_server: L1 });
    const post = { method: 'POST', headers: { 'content-type': 'application/json' }, body };
    joseServer = await rawJose(BENCH_JWT_SECRET, stack.config.publicUrl);
    const check = await fetch(`${stack.url}/auth/verify`, post);
    if (check.status !== 200) throw new Error(`/auth/verify answered ${check.status}: ${await check.text()}`);
    if ((await fetch(joseServer.url, post)).status !== 200) throw new Error('the raw jose baseline refused the token');

    await load(`${stack.url}/auth/verify`, { ...post, seconds: 2 });
    await load(joseServer.url, { ...post, seconds: 2 });
    const verify = await load(`${stack.url}/auth/verify`, { ...post, seconds: 8 });
    const raw = await load(joseServer.url, { ...post, seconds: 8 });
    if (verify.errors || verify.non2xx) throw new Error(`/auth/verify saw ${verify.errors} errors and ${verify.non2xx} non-2xx answers`);
    const inProcess = await joseLoop(rendererToken, BENCH_JWT_SECRET, stack.config.publicUrl, 2000);
    process.stdout.write(
      `  /auth/verify p50 ${verify.p50Ms} ms p99 ${verify.p99Ms} ms (${verify.total} checks); raw jose over HTTP p50 ${raw.p50Ms} ms p99 ${raw.p99Ms} ms; ` +
        `jwtVerify alone in process ${Math.round(inProcess)} checks/s\n`,
    );
    report('auth', verify.requestsPerSecond, raw.requestsPerSecond, 'checks/s');
  } finally {
    joseServer?.close();
    baseline?.close();
    await stack.stop();
  }
}
