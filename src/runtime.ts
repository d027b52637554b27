// Assembles a running L2 from reachable Postgres and Temporal: migrations, services, worker and HTTP server.
import http from 'node:http';
import path from 'node:path';
import type { WorkflowBundleOption } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createActivities } from './activities/index.js';
import { createApp } from './api/app.js';
import { createDrainableServer } from './api/http-server.js';
import { loadWebAssets } from './api/web-assets.js';
import { loadOrCreateSecret } from './bootstrap/secret-file.js';
import { Metrics } from './metrics/metrics.js';
import { stateSources } from './metrics/state-sources.js';
import { parseKey } from './domain/secret-box.js';
import type { Config } from './config.js';
import { createDb, type Db } from './db/knex.js';
import { prepareSchema } from './db/schema-guard.js';
import { createServices, type Services } from './services/index.js';
import { SessionSync } from './services/session-sync.js';
import { connectTemporalClient } from './temporal/client.js';
import { installTemporalRuntime } from './temporal/runtime.js';
import { ensureSchedules } from './temporal/schedules.js';
import { startWorker, type RunningWorker } from './temporal/worker.js';
import type { Client } from '@temporalio/client';

export type Role = 'all' | 'api' | 'worker';

export interface RuntimeOptions {
  config: Config;
  logger: Logger;
  role: Role;
  databaseUrl: string;
  temporalAddress: string;
  jwtSecret: string;
  workflowBundle?: WorkflowBundleOption;
}

export interface Runtime {
  db: Db;
  services: Services;
  temporal: Client;
  /** Where the API listens (when this role serves HTTP). */
  apiUrl: string | null;
  /** Set when this start created the operator account: where its first password was written. */
  operatorPasswordFile: string | null;
  worker: RunningWorker | null;
  stop(): Promise<void>;
}

export class PortInUseError extends Error {}

function listen(server: http.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new PortInUseError(`Port ${port} on ${host} is already in use: stop the other process or set PORT.`)
          : err,
      ),
    );
    server.listen({ host, port }, () => resolve((server.address() as { port: number }).port));
  });
}

async function ensureOperator(config: Config, services: Services, logger: Logger): Promise<string | null> {
  const file = path.join(config.dataDir, 'secrets', 'operator-password');
  const existing = await services.repos.users.findByUsername(config.operatorUser);
  if (existing) return null;
  const { created } = await services.accounts.ensureOperator(loadOrCreateSecret(file, 18));
  if (created) logger.info({ username: config.operatorUser }, 'created the operator account');
  return created ? file : null;
}

export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const { config, logger, role } = options;
  const cleanups: (() => Promise<void>)[] = [];
  // Idempotent: a signal handler and an owner may both stop the runtime; the second waits for the first.
  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      for (const cleanup of cleanups.reverse()) {
        try {
          await cleanup();
        } catch (err) {
          logger.warn({ err }, 'error during shutdown');
        }
      }
    })());

  try {
    const db = createDb(options.databaseUrl, 10, logger);
    cleanups.push(() => db.destroy());
    // Every role refuses a schema newer than this build; the api roles also migrate.
    await prepareSchema(db, { migrate: role !== 'worker', logger });
    const temporal = await connectTemporalClient({ ...config.temporal, address: options.temporalAddress });
    cleanups.push(() => temporal.connection.close());
    const services = await createServices({
      config,
      db,
      jwtSecret: options.jwtSecret,
      storageKey: parseKey(config.storageEncryptionKey ?? loadOrCreateSecret(path.join(config.dataDir, 'secrets', 'storage-key'), 32)),
      temporal,
      logger,
    });
    cleanups.push(() => services.http.close());
    cleanups.push(() => services.storage.close());
    const operatorPasswordFile = role === 'worker' ? null : await ensureOperator(config, services, logger);

    let worker: RunningWorker | null = null;
    if (role !== 'api') {
      installTemporalRuntime(logger);
      worker = await startWorker({
        ...config.temporal,
        address: options.temporalAddress,
        activities: createActivities({
          services,
          maxContentBytes: config.maxContentBytes,
          unavailableAfterMs: config.hostUnavailableAfterMs,
          operatorUser: config.operatorUser,
        }),
        workflowBundle: options.workflowBundle,
      });
      const running = worker;
      cleanups.push(() => running.stop());
      running.done.catch((err: unknown) => logger.fatal({ err }, 'Temporal worker stopped with an error'));
      await ensureSchedules(temporal, config.temporal.taskQueue, config.ots.anchorIntervalSeconds);
    }

    let apiUrl: string | null = null;
    if (role !== 'worker') {
      const sync = new SessionSync(options.databaseUrl, services.sessionCache, services.repos.revokedTokens, logger);
      await sync.start();
      cleanups.push(() => sync.stop());

      const metrics = new Metrics(stateSources({ repos: services.repos, temporal, taskQueue: config.temporal.taskQueue }));
      const app = createApp({ config, logger, services, webAssets: await loadWebAssets(logger), metrics });
      const { server, drain } = createDrainableServer(app.callback());
      server.requestTimeout = 60_000;
      server.headersTimeout = 20_000;
      const port = await listen(server, config.host, config.port);
      // Stopped first (cleanups run in reverse): requests in flight finish while the database and Temporal are still up.
      cleanups.push(() => drain(config.shutdownTimeoutMs));
      const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
      apiUrl = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;
    }
    return { db, services, temporal, apiUrl, operatorPasswordFile, worker, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
