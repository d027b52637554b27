// HTTP load from a separate process (autocannon), so the server under test keeps its own event loop.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const autocannon = path.join(path.dirname(require.resolve('autocannon/package.json')), 'autocannon.js');

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
  total: number;
}

interface AutocannonJson {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}

function summarise(r: AutocannonJson): LoadResult {
  return {
    requestsPerSecond: r.requests.average,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
    total: r.requests.total,
  };
}

export interface LoadOptions {
  connections?: number;
  seconds?: number;
  headers?: Record<string, string>;
  method?: string;
  body?: string;
}

export function load(url: string, options: LoadOptions = {}): Promise<LoadResult> {
  const args = [autocannon, '--json', '-c', String(options.connections ?? 32), '-d', String(options.seconds ?? 5)];
  for (const [name, value] of Object.entries(options.headers ?? {})) args.push('-H', `${name}=${value}`);
  if (options.method) args.push('-m', options.method);
  if (options.body) args.push('-b', options.body);
  args.push(url);
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => {
      if (err) return reject(err);
      resolve(summarise(JSON.parse(stdout)));
    });
  });
}

const runner = new URL('./load-runner.ts', import.meta.url).pathname;

/** Load with a body that differs per request (see load-runner.ts for the template syntax). */
export function loadTemplated(
  url: string,
  options: { headers: Record<string, string>; bodyTemplate: string; seed: string; connections?: number; seconds?: number },
): Promise<LoadResult> {
  const config = { url, method: 'POST', connections: 32, seconds: 5, ...options };
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', runner, JSON.stringify(config)], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => {
      if (err) return reject(err);
      resolve(summarise(JSON.parse(stdout)));
    });
  });
}

export function report(name: string, ours: number, baseline: number, unit: string): void {
  const fmt = (n: number) => (n >= 100 ? Math.round(n).toString() : n.toFixed(2));
  process.stdout.write(
    `bench ${name}: ours ${fmt(ours)} ${unit}, baseline ${fmt(baseline)} ${unit}, ratio ${(ours / baseline).toFixed(2)}\n`,
  );
}
