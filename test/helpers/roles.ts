// L2 roles (api, worker) as separate OS processes over a test server's database, Temporal and data dir, the way
// `npm run start:api` / `start:worker` run them; every process started here is killed after the test.
import { freePort } from '../../src/bootstrap/ports.js';
import { spawnL2, type L2Process } from './process.js';
import { TEST_JWT_SECRET, type TestServer } from './server.js';

export const API_READY = /API: +(http:\/\/\S+)[\s\S]*Press Ctrl-C to stop\./;
export const WORKER_READY = /running \(worker\)/;

/** The environment a process needs to share an in-process test server's database, task queue and secrets. */
export function envLike(server: TestServer, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: server.database.url,
    TEMPORAL_ADDRESS: server.config.temporal.address!,
    TEMPORAL_NAMESPACE: server.config.temporal.namespace,
    TEMPORAL_TASK_QUEUE: server.config.temporal.taskQueue,
    JWT_SECRET: TEST_JWT_SECRET,
    ARTDAG_DATA: server.config.dataDir,
    ARTDAG_DOMAIN: server.config.domain,
    ALLOW_PRIVATE_NETWORK: 'true',
    ...extra,
  };
}

export interface ApiProcess {
  process: L2Process;
  url: string;
}

export class Roles {
  readonly processes: L2Process[] = [];

  constructor(private readonly env: Record<string, string>) {}

  async worker(extra: Record<string, string> = {}): Promise<L2Process> {
    const worker = this.spawn('worker', extra);
    await worker.waitFor(WORKER_READY);
    return worker;
  }

  async api(extra: Record<string, string> = {}): Promise<ApiProcess> {
    const api = this.spawn('api', { HOST: '127.0.0.1', PORT: String(await freePort()), ...extra });
    const [, url] = await api.waitFor(API_READY);
    return { process: api, url: url! };
  }

  /** kill -9, and resolves once the process is gone. */
  async crash(process: L2Process): Promise<void> {
    process.child.kill('SIGKILL');
    const { signal } = await process.exited;
    if (signal !== 'SIGKILL') throw new Error(`expected the process to die of SIGKILL, it ended with ${signal}`);
  }

  /** Stops every process still running (SIGKILL: cleanup, not a test of shutdown). */
  async stopAll(): Promise<void> {
    const running = this.processes.filter((p) => p.child.exitCode === null && p.child.signalCode === null);
    for (const p of running) p.child.kill('SIGKILL');
    await Promise.all(running.map((p) => p.exited));
  }

  private spawn(role: 'api' | 'worker', extra: Record<string, string>): L2Process {
    const process = spawnL2(role, { ...this.env, ...extra });
    this.processes.push(process);
    return process;
  }
}
