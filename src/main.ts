// Entry point. `npm start` (role all) embeds Postgres and Temporal when their addresses are unset;
// `start:api` and `start:worker` run one role each against external services.
import fs from 'node:fs';
import path from 'node:path';
import { startEmbeddedPostgres } from './bootstrap/embedded-postgres.js';
import { startTemporalDevServer } from './bootstrap/embedded-temporal.js';
import { acquireInstanceLock, InstanceLockedError } from './bootstrap/instance-lock.js';
import { isPortFree } from './bootstrap/ports.js';
import { loadOrCreateSecret } from './bootstrap/secret-file.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger } from './logger.js';
import { PortInUseError, startRuntime, type Role } from './runtime.js';

function fail(message: string): never {
  process.stderr.write(`artdag-l2: ${message}\n`);
  process.exit(1);
}

function parseRole(arg: string | undefined): Role {
  if (arg === undefined || arg === 'all') return 'all';
  if (arg === 'api' || arg === 'worker') return arg;
  fail(`unknown role "${arg}": expected all, api or worker`);
}

async function main(): Promise<void> {
  const role = parseRole(process.argv[2]);
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  if (role !== 'all' && (!config.databaseUrl || !config.temporal.address)) {
    fail(`the ${role} role needs DATABASE_URL and TEMPORAL_ADDRESS; only "npm start" embeds Postgres and Temporal`);
  }
  if (role !== 'worker' && config.port !== 0 && !(await isPortFree(config.host, config.port))) {
    fail(`port ${config.port} on ${config.host} is already in use: stop the other process or set PORT`);
  }
  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  // Embedded services own directories under ARTDAG_DATA: only one instance may run them.
  let releaseLock = () => {};
  if (!config.databaseUrl || !config.temporal.address) {
    try {
      releaseLock = acquireInstanceLock(config.dataDir);
    } catch (err) {
      if (err instanceof InstanceLockedError) fail(err.message);
      throw err;
    }
  }
  const logger = createLogger(config.logLevel);

  const stops: (() => Promise<void>)[] = [];
  const emergencyKills: (() => void)[] = [];
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (err) {
        logger.warn({ err }, 'error while stopping');
      }
    }
    releaseLock();
    process.exit(code);
  };
  // A terminal's Ctrl-C reaches us twice (directly and relayed by npm): only a repeat after 2 s forces exit.
  let firstSignalAt = 0;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) {
        if (Date.now() - firstSignalAt < 2000) return;
        process.stderr.write('artdag-l2: forced exit\n');
        for (const kill of emergencyKills) kill();
        process.exit(1);
      }
      firstSignalAt = Date.now();
      process.stdout.write(
        `\nartdag-l2: ${signal} received, stopping (requests in flight get up to ${config.shutdownTimeoutMs / 1000} s)...\n`,
      );
      void shutdown(0);
    });
  }

  try {
    const embedded: string[] = [];
    let databaseUrl = config.databaseUrl;
    if (!databaseUrl) {
      const dir = path.join(config.dataDir, 'postgres');
      const pg = await startEmbeddedPostgres({
        dir,
        password: loadOrCreateSecret(path.join(config.dataDir, 'secrets', 'postgres-password'), 24),
        database: 'artdag',
        persistent: true,
        logFile: path.join(config.dataDir, 'postgres.log'),
      });
      stops.push(() => pg.stop());
      emergencyKills.push(() => pg.kill());
      databaseUrl = pg.url;
      embedded.push(`Postgres (${dir})`);
    }
    let temporalAddress = config.temporal.address;
    let temporalUi: string | null = null;
    if (!temporalAddress) {
      const dir = path.join(config.dataDir, 'temporal');
      fs.mkdirSync(dir, { recursive: true });
      const temporal = await startTemporalDevServer({
        namespace: config.temporal.namespace,
        dbFile: path.join(dir, 'temporal.db'),
        preferredPort: 7233,
        preferredUiPort: 8233,
        ui: true,
        logFile: path.join(dir, 'temporal.log'),
        pidFile: path.join(dir, 'temporal.pid'),
      });
      stops.push(() => temporal.stop());
      emergencyKills.push(() => temporal.process.kill('SIGKILL'));
      temporalAddress = temporal.address;
      temporalUi = temporal.uiUrl;
      embedded.push(`Temporal dev server (${path.join(dir, 'temporal.db')})`);
    }
    const jwtSecret = config.jwtSecret ?? loadOrCreateSecret(path.join(config.dataDir, 'secrets', 'jwt-secret'));
    // The operator page links to the Temporal UI: an explicit TEMPORAL_UI_URL wins over the embedded one.
    const runtimeConfig: Config = { ...config, temporalUiUrl: config.temporalUiUrl ?? temporalUi };
    const runtime = await startRuntime({ config: runtimeConfig, logger, role, databaseUrl, temporalAddress, jwtSecret });
    stops.push(() => runtime.stop());
    printSummary(config, role, {
      apiUrl: runtime.apiUrl,
      temporalUi,
      temporalAddress,
      embedded,
      operatorPasswordFile: runtime.operatorPasswordFile,
    });
    runtime.worker?.done.catch(() => void shutdown(1));
  } catch (err) {
    if (err instanceof PortInUseError) process.stderr.write(`artdag-l2: ${err.message}\n`);
    else process.stderr.write(`artdag-l2: start-up failed: ${err instanceof Error ? err.message : String(err)}\n`);
    await shutdown(1);
  }
}

function printSummary(
  config: Config,
  role: Role,
  info: {
    apiUrl: string | null;
    temporalUi: string | null;
    temporalAddress: string;
    embedded: string[];
    operatorPasswordFile: string | null;
  },
): void {
  const lines = [`Art DAG L2 is running (${role}).`];
  if (info.apiUrl) lines.push(`  API:          ${info.apiUrl}   (public URL ${config.publicUrl})`);
  lines.push(`  Temporal:     ${info.temporalAddress}, namespace ${config.temporal.namespace}`);
  if (info.temporalUi) lines.push(`  Temporal UI:  ${info.temporalUi}`);
  lines.push(`  Data dir:     ${config.dataDir}`);
  lines.push(`  Embedded:     ${info.embedded.length ? info.embedded.join(', ') : 'nothing (external Postgres and Temporal)'}`);
  if (info.operatorPasswordFile) {
    lines.push(`  Operator:     account "${config.operatorUser}" created; its password is in ${info.operatorPasswordFile}`);
  }
  lines.push('Press Ctrl-C to stop.');
  process.stdout.write(lines.join('\n') + '\n');
}

await main();
