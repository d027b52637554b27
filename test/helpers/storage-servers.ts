// Real S3 (SeaweedFS) and IPFS (Kubo) servers for integration tests: installed into .tools/ once, bound to
// 127.0.0.1 only and offline, with their data under the caller's directory.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = path.join(root, '.tools', 'bin');

export interface S3Server {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** A second identity that may read and list but not write, for permission failures. */
  readOnly: { accessKeyId: string; secretAccessKey: string };
  pid: number;
  stop(): Promise<void>;
}

export interface KuboServer {
  apiUrl: string;
  pid: number;
  stop(): Promise<void>;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, stdio: StdioOptions = ['ignore', 'pipe', 'pipe']): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output}`)),
    );
  });
}

const installs = new Map<string, Promise<void>>();

/** Runs an install script once per test process; the build's own progress goes to this process's stderr. */
function install(script: string): Promise<void> {
  let done = installs.get(script);
  if (!done) {
    done = run('bash', [path.join(root, 'storage', script)], process.env, ['ignore', 'inherit', 'inherit']);
    installs.set(script, done);
  }
  return done;
}

/** Ports that were free a moment ago; all held open together so none is handed out twice. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((resolve) => {
          const s = net.createServer().listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/** A loopback port with nothing listening on it, for "connection refused". */
export async function closedPort(): Promise<number> {
  const [port] = await freePorts(1);
  return port!;
}

interface Daemon {
  child: ChildProcess;
  /** Resolves with the first match in the output so far or later; rejects if the process exits first. */
  waitFor(pattern: RegExp): Promise<RegExpExecArray>;
  kill(graceMs: number): Promise<void>;
}

function startDaemon(command: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): Daemon {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = fs.createWriteStream(logFile);
  // Readiness lines come early; after that only the log file keeps the (chatty) output.
  let output = '';
  let watching = true;
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    log.write(chunk);
    if (!watching) return;
    output += chunk.toString();
    for (const check of waiters) check();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // A test process that dies without afterAll must not leave servers behind.
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  return {
    child,
    waitFor(pattern) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(output);
          if (match) {
            waiters.delete(check);
            resolve(match);
          }
        };
        waiters.add(check);
        check();
        void exited.then(() => reject(new Error(`${command} exited before printing ${pattern}; see ${logFile}:\n${output.slice(-4000)}`)));
      });
    },
    async kill(graceMs) {
      watching = false;
      process.removeListener('exit', reap);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(graceMs > 0 ? 'SIGTERM' : 'SIGKILL');
        const timer = graceMs > 0 ? setTimeout(() => child.kill('SIGKILL'), graceMs) : undefined;
        await exited;
        clearTimeout(timer);
      }
      await new Promise((resolve) => log.end(resolve));
    },
  };
}

/** SeaweedFS's S3 gateway (with master, volume and filer) on loopback ports, requiring signed requests. */
export async function startSeaweed(dir: string): Promise<S3Server> {
  await install('install-seaweedfs.sh');
  fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
  const [master, masterGrpc, volume, volumeGrpc, filer, filerGrpc, s3, s3Grpc] = await freePorts(8);
  const key = () => randomBytes(10).toString('hex').toUpperCase();
  const secret = () => randomBytes(20).toString('base64url');
  const admin = { accessKeyId: key(), secretAccessKey: secret() };
  const readOnly = { accessKeyId: key(), secretAccessKey: secret() };
  const identity = (name: string, id: { accessKeyId: string; secretAccessKey: string }, actions: string[]) => ({
    name,
    credentials: [{ accessKey: id.accessKeyId, secretKey: id.secretAccessKey }],
    actions,
  });
  const s3Config = path.join(dir, 's3-identities.json');
  fs.writeFileSync(
    s3Config,
    JSON.stringify({
      identities: [identity('admin', admin, ['Admin', 'Read', 'Write', 'List', 'Tagging']), identity('reader', readOnly, ['Read', 'List'])],
    }),
  );
  const args = [
    'server',
    `-dir=${path.join(dir, 'data')}`,
    // -ip is what the components advertise to each other, -ip.bind where every listener binds.
    '-ip=127.0.0.1',
    '-ip.bind=127.0.0.1',
    '-master.peers=none',
    '-master.telemetry=false', // on by default: it would report to telemetry.seaweedfs.com
    `-master.port=${master}`,
    `-master.port.grpc=${masterGrpc}`,
    '-master.volumeSizeLimitMB=1024',
    `-volume.port=${volume}`,
    `-volume.port.grpc=${volumeGrpc}`,
    '-volume.max=16',
    '-volume.preStopSeconds=0',
    '-filer',
    `-filer.port=${filer}`,
    `-filer.port.grpc=${filerGrpc}`,
    `-filer.localSocket=${path.join(dir, 'filer.sock')}`,
    '-s3',
    `-s3.port=${s3}`,
    `-s3.port.grpc=${s3Grpc}`,
    `-s3.localSocket=${path.join(dir, 's3.sock')}`,
    '-s3.port.iceberg=0', // both default to listening (8181, 9101)
    '-s3.port.lance=0',
    `-s3.config=${s3Config}`,
    '-s3.autoCreateBucket=false', // like AWS: a missing bucket is an error, not created on first write
  ];
  const daemon = startDaemon(path.join(bin, 'weed'), args, { PATH: process.env.PATH, HOME: dir }, path.join(dir, 'weed.log'));
  const stop = async () => {
    // `weed server` stops its volume and filer on SIGTERM but its master keeps running, so kill it outright
    // and remove the gRPC sockets it always creates under /tmp.
    await daemon.kill(0);
    for (const [role, port] of [
      ['master', masterGrpc],
      ['volume', volumeGrpc],
      ['filer', filerGrpc],
      ['s3', s3Grpc],
    ] as const) {
      fs.rmSync(`/tmp/seaweedfs-${role}-grpc-${port}.sock`, { force: true });
    }
  };
  try {
    await daemon.waitFor(/Start Seaweed S3 API Server .* at http port/);
    await daemon.waitFor(/added volume server/);
    // Answering at all is enough here: an unsigned request gets a 403 once the gateway serves.
    await fetch(`http://127.0.0.1:${s3}/`);
  } catch (err) {
    await stop();
    throw err;
  }
  return { endpoint: `http://127.0.0.1:${s3}`, region: 'us-east-1', ...admin, readOnly, pid: daemon.child.pid!, stop };
}

/** Kubo's RPC API on a loopback port; the node is offline: no swarm listener, no bootstrap, no MDNS. */
export async function startKubo(dir: string): Promise<KuboServer> {
  await install('install-kubo.sh');
  const ipfs = path.join(bin, 'ipfs');
  const repo = path.join(dir, 'repo');
  const env = { PATH: process.env.PATH, HOME: dir, IPFS_PATH: repo, IPFS_TELEMETRY: 'off' };
  await run(ipfs, ['init', '--profile=test', '--empty-repo'], env);
  const configFile = path.join(repo, 'config');
  const config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
  // Port 0: the kernel picks a free port when the daemon binds, so no other process can take it first.
  Object.assign(config.Addresses, {
    API: '/ip4/127.0.0.1/tcp/0',
    Gateway: '/ip4/127.0.0.1/tcp/0',
    Swarm: [],
    Announce: [],
    AppendAnnounce: [],
  });
  config.Bootstrap = [];
  config.Discovery = { MDNS: { Enabled: false } };
  config.AutoConf = { Enabled: false };
  config.AutoTLS = { Enabled: false };
  config.Routing = { ...config.Routing, Type: 'none' };
  config.Swarm = { ...config.Swarm, DisableNatPortMap: true };
  config.Plugins = { Plugins: { telemetry: { Disabled: true } } };
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2));

  const daemon = startDaemon(ipfs, ['daemon', '--offline'], env, path.join(dir, 'kubo.log'));
  const stop = () => daemon.kill(10_000);
  try {
    const [, port] = await daemon.waitFor(/RPC API server listening on \/ip4\/127\.0\.0\.1\/tcp\/(\d+)/);
    await daemon.waitFor(/Daemon is ready/);
    const apiUrl = `http://127.0.0.1:${port}`;
    const version = await fetch(`${apiUrl}/api/v0/version`, { method: 'POST' });
    if (!version.ok) throw new Error(`Kubo's API answered ${version.status} to /api/v0/version`);
    return { apiUrl, pid: daemon.child.pid!, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The addresses a process listens on (TCP) or holds open (UDP), read from /proc; Linux only. */
export function listeningAddresses(pid: number): { address: string; port: number }[] {
  const inodes = new Set<string>();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    const inode = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`, { encoding: 'utf8' }))?.[1];
    if (inode) inodes.add(inode);
  }
  const addresses: { address: string; port: number }[] = [];
  for (const table of ['tcp', 'tcp6', 'udp', 'udp6']) {
    for (const line of fs.readFileSync(`/proc/${pid}/net/${table}`, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const [, local, , state] = cols;
      const LISTEN = '0A';
      if (!local || !inodes.has(cols[9] ?? '') || (table.startsWith('tcp') && state !== LISTEN)) continue;
      addresses.push(decodeProcAddress(local));
    }
  }
  return addresses;
}

/** /proc/net prints addresses as hex, each 32-bit word in host (little-endian) byte order. */
function decodeProcAddress(hex: string): { address: string; port: number } {
  const [ip = '', portHex = '0'] = hex.split(':');
  const port = parseInt(portHex, 16);
  const bytes = Buffer.from(ip, 'hex');
  for (let i = 0; i < bytes.length; i += 4) bytes.subarray(i, i + 4).reverse();
  if (bytes.length === 4) return { address: bytes.join('.'), port };
  const groups = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2).toString(16));
  const text = groups
    .join(':')
    .replace(/^(0:)+0?/, '::')
    .replace(/^::ffff:([0-9a-f]+):([0-9a-f]+)$/, (_m, hi: string, lo: string) => {
      const v = (parseInt(hi, 16) << 16) | parseInt(lo, 16);
      return `::ffff:${[v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.')}`;
    });
  return { address: text, port };
}
