// The web UI under load with 10,000 assets in the database: `/`, `/assets` and `/asset/{name}` as a browser
// asks for them (Accept: text/html, no session), next to GET /health on the same server in the same run.
// The reported figure is the slowest of the three pages against /health.
import { createHash } from 'node:crypto';
import { load, report, type LoadResult } from './lib/load.js';
import { startBenchStack } from './lib/stack.js';

const ASSETS = 10_000;
const SEED_CONCURRENCY = 16;
const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

async function json(res: Response): Promise<Record<string, unknown>> {
  if (!res.ok) throw new Error(`${res.url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

/** Registers `count` assets through the API, as users would (each with its signed Create). */
async function seed(url: string, token: string, count: number): Promise<void> {
  let next = 0;
  const types = ['image', 'video', 'audio', 'recipe'];
  async function worker(): Promise<void> {
    while (next < count) {
      const i = next++;
      const body = {
        name: `seeded-${i}`,
        content_hash: createHash('sha3-256').update(`pages bench asset ${i}`).digest('hex'),
        asset_type: types[i % types.length],
        tags: [`batch-${i % 50}`, 'bench'],
        description: `Asset number ${i}, registered for the pages benchmark.`,
      };
      await json(
        await fetch(`${url}/assets`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }),
      );
    }
  }
  await Promise.all(Array.from({ length: SEED_CONCURRENCY }, worker));
}

function line(name: string, r: LoadResult): string {
  return `  ${name.padEnd(22)} ${String(Math.round(r.requestsPerSecond)).padStart(6)} req/s  p50 ${r.p50Ms} ms  p99 ${r.p99Ms} ms  (${r.total} requests)\n`;
}

export async function run(): Promise<void> {
  const stack = await startBenchStack();
  try {
    const register = { username: 'painter', password: 'bench password' };
    await json(
      await fetch(`${stack.url}/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(register),
      }),
    );
    const login = await json(
      await fetch(`${stack.url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(register),
      }),
    );
    const started = performance.now();
    await seed(stack.url, String(login.access_token), ASSETS);
    process.stdout.write(`  seeded ${ASSETS} assets through POST /assets in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);

    const targets: [string, string, Record<string, string>][] = [
      ['GET /health', '/health', {}],
      ['GET /', '/', HTML],
      ['GET /assets', '/assets', HTML],
      ['GET /asset/{name}', `/asset/seeded-${ASSETS / 2}`, HTML],
    ];
    for (const [name, path, headers] of targets) {
      const res = await fetch(`${stack.url}${path}`, { headers });
      if (res.status !== 200) throw new Error(`${name} answered ${res.status}`);
      await load(`${stack.url}${path}`, { headers, seconds: 2 });
    }
    const results = new Map<string, LoadResult>();
    for (const [name, path, headers] of targets) {
      const result = await load(`${stack.url}${path}`, { headers, seconds: 8 });
      if (result.errors || result.non2xx) throw new Error(`${name} saw ${result.errors} errors and ${result.non2xx} non-2xx answers`);
      results.set(name, result);
      process.stdout.write(line(name, result));
    }
    const health = results.get('GET /health')!;
    const pages = targets.slice(1).map(([name]) => results.get(name)!);
    const slowest = pages.reduce((a, b) => (b.requestsPerSecond < a.requestsPerSecond ? b : a));
    report('pages', slowest.requestsPerSecond, health.requestsPerSecond, 'req/s');
  } finally {
    await stack.stop();
  }
}
