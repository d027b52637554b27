// The deployment files, checked without a Docker engine: `docker compose config` (the plugin is built into .tools/
// by deploy/install-compose.sh from the global setup) and `docker stack config` validate docker-compose.yml and
// its overrides; the secrets script, the image's entry point and the Dockerfile's inputs are exercised directly.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { configVariables, fileVariables, loadConfig } from '../../src/config.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'compose-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const emptyEnvFile = path.join(tmp, 'empty.env');
fs.writeFileSync(emptyEnvFile, '');

/** The docker CLI is part of this machine kind; without it the standalone compose binary does the same check. */
const dockerCli = spawnSync('docker', ['--version']).status === 0;

function run(command: string, args: string[], env: Record<string, string> = {}): SpawnSyncReturns<string> {
  // A clean environment: nothing from the developer's shell (COMPOSE_*, a .env) may change the outcome.
  return spawnSync(command, args, {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
    env: { PATH: process.env.PATH ?? '', HOME: tmp, DOCKER_CONFIG: path.join(root, '.tools', 'docker'), ...env },
  });
}

function compose(files: string[], args: string[], env: Record<string, string>): SpawnSyncReturns<string> {
  const composeArgs = ['--env-file', emptyEnvFile, ...files.flatMap((f) => ['-f', f]), ...args];
  return dockerCli
    ? run('docker', ['compose', ...composeArgs], env)
    : run(path.join(root, '.tools', 'bin', 'docker-compose'), composeArgs, env);
}

interface Service {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  ports?: { target: number; published: string; host_ip?: string }[];
  secrets?: { source: string; target: string }[];
  volumes?: { type: string; source: string; target: string }[];
  healthcheck?: { test?: string[]; disable?: boolean };
  deploy?: { replicas?: number; restart_policy?: { condition: string } };
  restart?: string;
}
interface Model {
  services: Record<string, Service>;
  secrets: Record<string, { file: string }>;
  configs: Record<string, { file: string }>;
}

function model(files: string[], env: Record<string, string>): Model {
  const result = compose(files, ['config', '--format', 'json'], env);
  expect(result.stderr).not.toMatch(/error/i);
  expect(result.status).toBe(0);
  return JSON.parse(result.stdout) as Model;
}

const ENV = { ARTDAG_DOMAIN: 'l2.example.org' };
const SECRET_VARIABLES = [...fileVariables, 'POSTGRES_PASSWORD', 'POSTGRES_PWD', 'SQL_PASSWORD'];
const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
const imageDataDir = /ARTDAG_DATA=(\S+)/.exec(dockerfile)![1]!;

describe('docker-compose.yml', () => {
  const stack = model(['docker-compose.yml'], ENV);
  const { services } = stack;

  it('runs two api and two worker replicas of one image, plus Postgres, Temporal with its UI and setup, Kubo and a proxy', () => {
    expect(Object.keys(services).sort()).toEqual([
      'api',
      'kubo',
      'postgres',
      'proxy',
      'temporal',
      'temporal-setup',
      'temporal-ui',
      'worker',
    ]);
    expect(services.api!.deploy!.replicas).toBe(2);
    expect(services.worker!.deploy!.replicas).toBe(2);
    expect(services.api!.image).toBe(services.worker!.image);
    expect(services.api!.command).toEqual(['api']);
    expect(services.worker!.command).toEqual(['worker']);
    expect(services.temporal!.environment!.DB).toBe('postgres12');
    expect(services.temporal!.environment!.POSTGRES_SEEDS).toBe('postgres');
  });

  it('publishes one port, the API through the proxy, and nothing else', () => {
    const published = Object.entries(services).filter(([, s]) => s.ports?.length);
    expect(published.map(([name]) => name)).toEqual(['proxy']);
    expect(services.proxy!.ports).toEqual([expect.objectContaining({ target: 8200, published: '8200' })]);
    expect(model(['docker-compose.yml'], { ...ENV, ARTDAG_PORT: '8443' }).services.proxy!.ports![0]!.published).toBe('8443');
  });

  it('gives every long-running service a restart policy and a health check (the api its image’s)', () => {
    for (const [name, service] of Object.entries(services)) {
      expect(service.deploy?.restart_policy?.condition, name).toBe(name === 'temporal-setup' ? 'on-failure' : 'any');
    }
    for (const name of ['postgres', 'temporal', 'kubo', 'proxy'])
      expect(services[name]!.healthcheck?.test?.length, name).toBeGreaterThan(1);
    expect(services.worker!.healthcheck).toEqual(expect.objectContaining({ disable: true }));
    expect(services.api!.healthcheck).toBeUndefined();
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\\\n\s+CMD \["node", .*\/ready/m);
  });

  it('passes secrets as files: no secret sits in any environment', () => {
    expect(stack.secrets.jwt_secret!.file).toBe(path.join(root, 'deploy', 'secrets', 'jwt_secret'));
    for (const [name, service] of Object.entries(services)) {
      const environment = service.environment ?? {};
      expect(
        Object.keys(environment).filter((key) => SECRET_VARIABLES.includes(key)),
        name,
      ).toEqual([]);
      const mounted = new Set((service.secrets ?? []).map((s) => s.target));
      for (const [key, value] of Object.entries(environment))
        if (key.endsWith('_FILE')) expect(mounted.has(value), `${name} ${key}`).toBe(true);
    }
    for (const name of ['api', 'worker']) {
      expect(services[name]!.environment).toMatchObject({
        JWT_SECRET_FILE: '/run/secrets/jwt_secret',
        DATABASE_URL_FILE: '/run/secrets/database_url',
        STORAGE_ENCRYPTION_KEY_FILE: '/run/secrets/storage_key',
      });
    }
    expect(services.postgres!.environment!.POSTGRES_PASSWORD_FILE).toBe('/run/secrets/postgres_password');
  });

  it('sets only variables the app knows', () => {
    const known = new Set([...Object.keys(configVariables), ...fileVariables.map((name) => `${name}_FILE`)]);
    for (const name of ['api', 'worker']) expect(Object.keys(services[name]!.environment!).filter((key) => !known.has(key))).toEqual([]);
  });

  it('shares one data volume between api and worker replicas, where the image keeps its data', () => {
    for (const name of ['api', 'worker']) {
      expect(services[name]!.volumes).toEqual([expect.objectContaining({ type: 'volume', source: 'artdag-data', target: imageDataDir })]);
    }
    expect(services.postgres!.volumes).toEqual([expect.objectContaining({ source: 'postgres-data', target: '/var/lib/postgresql/data' })]);
  });

  it('refers only to support files that exist', () => {
    for (const { file } of Object.values(stack.configs)) expect(fs.existsSync(file), file).toBe(true);
    expect(Object.values(stack.secrets).every(({ file }) => file.startsWith(path.join(root, 'deploy', 'secrets') + path.sep))).toBe(true);
  });

  it('refuses to run without ARTDAG_DOMAIN, saying so', () => {
    const result = compose(['docker-compose.yml'], ['config', '--quiet'], {});
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('required variable ARTDAG_DOMAIN is missing a value: set ARTDAG_DOMAIN to the public host name');
  });

  it('is accepted by docker stack deploy as well', () => {
    if (dockerCli) {
      // `docker stack config` loads the file exactly as `docker stack deploy` does, without a swarm.
      const result = run('docker', ['stack', 'config', '-c', 'docker-compose.yml'], ENV);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/^ {2}api:\n(?: {4}.*\n)*? {6}replicas: 2$/m);
    } else {
      // Without the CLI: what swarm refuses (restart:, profiles, start conditions) must not be used.
      for (const service of Object.values(services)) expect(service.restart).toBeUndefined();
      expect(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')).not.toMatch(/^(name:|\s+profiles:|\s+condition: service_)/m);
    }
  });
});

describe('overrides', () => {
  it('deploy/docker-compose.ui.yml publishes the Temporal UI on loopback only', () => {
    const { services } = model(['docker-compose.yml', 'deploy/docker-compose.ui.yml'], ENV);
    expect(services['temporal-ui']!.ports).toEqual([expect.objectContaining({ host_ip: '127.0.0.1', published: '8233', target: 8080 })]);
  });

  it('deploy/docker-compose.temporal-cloud.yml swaps the stack’s Temporal for an external one with an API key', () => {
    const env = { ...ENV, TEMPORAL_ADDRESS: 'eu-west-1.aws.api.temporal.io:7233', TEMPORAL_NAMESPACE: 'artdag.a1b2c' };
    const { services, secrets } = model(['docker-compose.yml', 'deploy/docker-compose.temporal-cloud.yml'], env);
    for (const name of ['temporal', 'temporal-setup', 'temporal-ui']) expect(services[name]!.deploy!.replicas, name).toBe(0);
    for (const name of ['api', 'worker']) {
      expect(services[name]!.environment).toMatchObject({
        TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS,
        TEMPORAL_NAMESPACE: env.TEMPORAL_NAMESPACE,
        TEMPORAL_API_KEY_FILE: '/run/secrets/temporal_api_key',
      });
      expect(services[name]!.secrets!.map((s) => s.source).sort()).toEqual([
        'database_url',
        'jwt_secret',
        'storage_key',
        'temporal_api_key',
      ]);
    }
    expect(secrets.temporal_api_key!.file).toBe(path.join(root, 'deploy', 'secrets', 'temporal_api_key'));
    const missing = compose(['docker-compose.yml', 'deploy/docker-compose.temporal-cloud.yml'], ['config', '--quiet'], ENV);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('TEMPORAL_ADDRESS');
  });
});

describe('deploy/make-secrets.sh', () => {
  const dir = path.join(tmp, 'secrets');
  const first = run('bash', ['deploy/make-secrets.sh', dir]);

  it('writes every secret the stack mounts, in a directory only its owner can enter', () => {
    expect(first.status).toBe(0);
    expect(fs.readdirSync(dir).sort()).toEqual(['database_url', 'jwt_secret', 'postgres_password', 'storage_key']);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('writes values the app accepts through *_FILE, with a DATABASE_URL matching the Postgres password', () => {
    const config = loadConfig({
      JWT_SECRET_FILE: path.join(dir, 'jwt_secret'),
      DATABASE_URL_FILE: path.join(dir, 'database_url'),
      STORAGE_ENCRYPTION_KEY_FILE: path.join(dir, 'storage_key'),
    });
    const password = fs.readFileSync(path.join(dir, 'postgres_password'), 'utf8').trim();
    expect(password).toMatch(/^[0-9a-f]{48}$/);
    expect(config.databaseUrl).toBe(`postgres://artdag:${password}@postgres:5432/artdag`);
    expect(config.jwtSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(config.storageEncryptionKey).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps existing secrets when run again', () => {
    const before = fs.readFileSync(path.join(dir, 'jwt_secret'), 'utf8');
    const again = run('bash', ['deploy/make-secrets.sh', dir]);
    expect(again.status).toBe(0);
    expect(again.stderr).toContain(`kept    ${path.join(dir, 'jwt_secret')}`);
    expect(fs.readFileSync(path.join(dir, 'jwt_secret'), 'utf8')).toBe(before);
  });
});

describe('the image', () => {
  it('maps its command to a role of src/main.ts, or runs the command given', () => {
    const worker = run('sh', ['deploy/docker-entrypoint.sh', 'worker']);
    expect(worker.status).toBe(1);
    expect(worker.stderr).toBe(
      'artdag-l2: the worker role needs DATABASE_URL and TEMPORAL_ADDRESS; only "npm start" embeds Postgres and Temporal\n',
    );
    const other = run('sh', ['deploy/docker-entrypoint.sh', 'echo', 'as given']);
    expect(other.stdout).toBe('as given\n');
  });

  it('copies only files that exist and are not in .dockerignore, and runs as a non-root user', () => {
    const ignored = fs
      .readFileSync(path.join(root, '.dockerignore'), 'utf8')
      .split('\n')
      .filter((line) => line && !line.startsWith('#'));
    expect(ignored).toEqual(expect.arrayContaining(['deploy/secrets', 'node_modules', '.tools']));
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(?:--\S+ )*(.+) \S+$/gm)].flatMap((m) => m[1]!.split(' '));
    expect(sources.length).toBeGreaterThan(5);
    for (const source of sources) {
      expect(fs.existsSync(path.join(root, source)), source).toBe(true);
      expect(
        ignored.some((pattern) => source === pattern || source.startsWith(`${pattern}/`)),
        source,
      ).toBe(false);
    }
    const users = [...dockerfile.matchAll(/^USER (\S+)$/gm)].map((m) => m[1]);
    expect(users.at(-1)).toBe('node');
    expect(fs.statSync(path.join(root, 'deploy', 'docker-entrypoint.sh')).mode & 0o111).not.toBe(0);
  });

  it('has shell scripts that parse', () => {
    for (const script of ['deploy/docker-entrypoint.sh', 'deploy/temporal/setup.sh'])
      expect(run('sh', ['-n', script]).status, script).toBe(0);
    for (const script of ['deploy/make-secrets.sh', 'deploy/install-compose.sh'])
      expect(run('bash', ['-n', script]).status, script).toBe(0);
  });
});
