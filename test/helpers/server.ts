// Starts a real L2 (HTTP on 127.0.0.1, worker on its own task queue) over a fresh test database.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { DestinationStream } from 'pino';
import { inject } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startRuntime, type Role, type Runtime } from '../../src/runtime.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export interface TestServer {
  url: string;
  config: Config;
  runtime: Runtime;
  database: TestDatabase;
  stop(): Promise<void>;
}

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

export function testConfig(env: Record<string, string> = {}): Config {
  const dataDir = path.join(inject('testRoot'), `data-${randomUUID()}`);
  fs.mkdirSync(dataDir, { recursive: true });
  return loadConfig({
    ARTDAG_DOMAIN: 'l2.test',
    ARTDAG_DATA: dataDir,
    HOST: '127.0.0.1',
    PORT: '0',
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: inject('temporalNamespace'),
    TEMPORAL_TASK_QUEUE: `test-${randomUUID()}`,
    ALLOW_PRIVATE_NETWORK: 'true',
    LOG_LEVEL: 'silent',
    ...env,
  });
}

export async function startTestServer(
  options: {
    env?: Record<string, string>;
    role?: Role;
    database?: TestDatabase;
    /** Where log lines go (and at which level), for tests that read them. */
    log?: { level: string; destination: DestinationStream };
  } = {},
): Promise<TestServer> {
  const config = testConfig(options.env);
  const database = options.database ?? (await createTestDatabase());
  const runtime = await startRuntime({
    config,
    logger: options.log ? createLogger(options.log.level, options.log.destination) : createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
    role: options.role ?? 'all',
    databaseUrl: database.url,
    temporalAddress: config.temporal.address!,
    jwtSecret: TEST_JWT_SECRET,
    workflowBundle: { codePath: inject('workflowBundlePath') },
  });
  return {
    url: runtime.apiUrl ?? '',
    config,
    runtime,
    database,
    async stop() {
      await runtime.stop();
      if (!options.database) await database.drop();
    },
  };
}
