// Starts a throwaway L2 for a benchmark: embedded Postgres and Temporal dev server in a temp dir, API + worker.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { startEmbeddedPostgres } from '../../src/bootstrap/embedded-postgres.js';
import { startTemporalDevServer } from '../../src/bootstrap/embedded-temporal.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startRuntime, type Runtime } from '../../src/runtime.js';

export const BENCH_JWT_SECRET = 'bench-secret-that-is-long-enough-0123456789';

export interface BenchStack {
  url: string;
  databaseUrl: string;
  config: Config;
  runtime: Runtime;
  stop(): Promise<void>;
}

export async function startBenchStack(env: Record<string, string> = {}): Promise<BenchStack> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'artdag-bench-'));
  fs.chmodSync(root, 0o755);
  const [pg, temporal] = await Promise.all([
    startEmbeddedPostgres({
      dir: path.join(root, 'pg'),
      password: 'bench',
      database: 'artdag',
      persistent: false,
      logFile: path.join(root, 'pg.log'),
    }),
    startTemporalDevServer({ namespace: 'artdag', ui: false, logFile: path.join(root, 'temporal.log') }),
  ]);
  const config = loadConfig({
    ARTDAG_DATA: path.join(root, 'data'),
    ARTDAG_DOMAIN: 'l2.bench',
    HOST: '127.0.0.1',
    PORT: '0',
    TEMPORAL_ADDRESS: temporal.address,
    ALLOW_PRIVATE_NETWORK: 'true',
    ...env,
  });
  // Log every request as production does, to a sink, so its cost is part of what we measure.
  const logger = createLogger('info', pino.destination({ dest: '/dev/null', sync: false }));
  const runtime = await startRuntime({
    config,
    logger,
    role: 'all',
    databaseUrl: pg.url,
    temporalAddress: temporal.address,
    jwtSecret: BENCH_JWT_SECRET,
  });
  return {
    url: runtime.apiUrl!,
    databaseUrl: pg.url,
    config,
    runtime,
    async stop() {
      await runtime.stop();
      await temporal.stop();
      await pg.stop();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}
