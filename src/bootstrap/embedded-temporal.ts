// The Temporal CLI dev server for `npm start` and tests: installed into .tools/ once, bound to 127.0.0.1.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';
import Long from 'long';
import { freePort, preferredPort, waitForPort } from './ports.js';
import { stopStaleProcess, writePidFile } from './stale-process.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const binary = `${root}.tools/bin/temporal`;
const installScript = `${root}temporal/install.sh`;

const RETENTION_SECONDS = 30 * 24 * 3600;

/** The dev server binary, installed by temporal/install.sh on first use. */
export function ensureTemporalBinary(): string {
  if (!fs.existsSync(binary)) {
    const result = spawnSync('bash', [installScript], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (result.status !== 0) {
      throw new Error(`temporal/install.sh failed (exit ${result.status}); see its output above`);
    }
  }
  return binary;
}

export interface DevServerOptions {
  namespace: string;
  /** SQLite file that keeps workflows across restarts; in memory when absent. */
  dbFile?: string;
  /** Try these ports first (npm start); any free port otherwise. */
  preferredPort?: number;
  preferredUiPort?: number;
  ui: boolean;
  logFile: string;
  /** Records the server's pid so a later start can stop one left behind by a crash. */
  pidFile?: string;
}

export interface DevServerHandle {
  address: string;
  uiUrl: string | null;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function startTemporalDevServer(options: DevServerOptions): Promise<DevServerHandle> {
  const bin = ensureTemporalBinary();
  if (options.pidFile) await stopStaleProcess(options.pidFile, 'start-dev', 'SIGTERM');
  const host = '127.0.0.1';
  const port = options.preferredPort ? await preferredPort(host, options.preferredPort) : await freePort(host);
  const uiPort = options.preferredUiPort ? await preferredPort(host, options.preferredUiPort) : await freePort(host);
  const args = ['server', 'start-dev', '--ip', host, '--port', String(port), '--namespace', options.namespace, '--log-level', 'warn'];
  if (options.dbFile) args.push('--db-filename', options.dbFile);
  if (options.ui) args.push('--ui-port', String(uiPort), '--ui-disable-news-fetch');
  else args.push('--headless');

  const log = fs.openSync(options.logFile, 'a');
  // Own process group: a Ctrl-C reaches only us, and we stop the server after the worker has drained.
  const child = spawn(bin, args, { stdio: ['ignore', log, log], detached: true });
  fs.closeSync(log);
  if (options.pidFile && child.pid) writePidFile(options.pidFile, child.pid);
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => (exited = true));

  const stop = async () => {
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exitedPromise;
    clearTimeout(timer);
    if (options.pidFile) fs.rmSync(options.pidFile, { force: true });
  };

  try {
    await waitForPort(host, port, 60_000, () => !exited);
    await setRetention(`${host}:${port}`, options.namespace);
  } catch (err) {
    await stop();
    throw new Error(`Temporal dev server did not start: ${(err as Error).message}; see ${options.logFile}`, { cause: err });
  }
  return { address: `${host}:${port}`, uiUrl: options.ui ? `http://${host}:${uiPort}` : null, process: child, stop };
}

/** Long-running anchor workflows must stay visible for weeks, past the dev server's 24 h default. */
async function setRetention(address: string, namespace: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        await connection.workflowService.updateNamespace({
          namespace,
          config: { workflowExecutionRetentionTtl: { seconds: Long.fromNumber(RETENTION_SECONDS) } },
        });
        return;
      } catch (err) {
        // The namespace is registered shortly after the port opens.
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  } finally {
    await connection.close();
  }
}
