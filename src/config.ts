// The one place the environment is read: every setting, its default, and the one-line error for a bad value.
// Secret-bearing settings may instead name a file (`<NAME>_FILE`), as Docker and Kubernetes secrets expect.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { defaultRetryDelays } from './domain/delivery-schedule.js';

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly expected: string,
  ) {
    super(`${variable}: expected ${expected}`);
    this.name = 'ConfigError';
  }
}

/** A comma-separated list (blank entries dropped), `fallback` when unset. */
function commaList(fallback: string) {
  return z
    .string()
    .default(fallback)
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );
}

const booleanText = z.enum(['1', '0', 'true', 'false', 'yes', 'no']).transform((v) => v === '1' || v === 'true' || v === 'yes');

const httpUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
});

const port = z.coerce.number().int().min(0).max(65535);

/** At most `limit` events per window of `windowSeconds`. */
export interface RateLimitSetting {
  limit: number;
  windowSeconds: number;
}

const DURATION_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;

/** `count/window` such as 10/15m (window in s, m, h or d), or `off` (null). */
function rateLimit(fallback: string) {
  return z
    .string()
    .default(fallback)
    .transform((text, ctx): RateLimitSetting | null => {
      if (text.trim() === 'off') return null;
      const match = /^(\d{1,6})\/(\d{1,5})(s|m|h|d)$/.exec(text.trim());
      if (!match || Number(match[1]) < 1 || Number(match[2]) < 1) {
        ctx.addIssue({ code: 'custom', message: 'expected count/window or off' });
        return z.NEVER;
      }
      return { limit: Number(match[1]), windowSeconds: Number(match[2]) * DURATION_SECONDS[match[3] as keyof typeof DURATION_SECONDS] };
    });
}

/** PEM text holding at least one block of the given kind (PRIVATE KEY also matches RSA/EC PRIVATE KEY). */
function pem(kind: 'CERTIFICATE' | 'PRIVATE KEY') {
  const block = new RegExp(`-----BEGIN [A-Z ]*${kind}-----[\\s\\S]+?-----END [A-Z ]*${kind}-----`);
  return z.string().regex(block);
}

/** Each variable with its parser and the words used when its value is wrong. */
const variables = {
  ARTDAG_DOMAIN: {
    schema: z
      .string()
      .regex(/^[a-z0-9.-]+(:\d{1,5})?$/i)
      .default('artdag.rose-ash.com'),
    expected: 'a host name such as artdag.example.com (optionally with :port)',
  },
  ARTDAG_USER: {
    schema: z
      .string()
      .regex(/^[a-z0-9_]{1,30}$/)
      .default('giles'),
    expected: 'a username of 1-30 characters from a-z, 0-9 and _',
  },
  ARTDAG_DATA: {
    schema: z.string().min(1).default('~/.artdag/l2'),
    expected: 'a directory path',
  },
  DATABASE_URL: {
    schema: z
      .string()
      .regex(/^postgres(ql)?:\/\//)
      .optional(),
    expected: 'a postgres:// connection URL, or unset for the embedded Postgres',
  },
  L1_SERVERS: {
    schema: commaList('').pipe(z.array(httpUrl)),
    expected: 'a comma-separated list of http(s) URLs',
  },
  JWT_SECRET: {
    schema: z.string().min(32).optional(),
    expected: 'a secret of at least 32 characters, or unset to generate one in ARTDAG_DATA',
  },
  HOST: { schema: z.string().min(1).default('0.0.0.0'), expected: 'an interface address' },
  PORT: { schema: port.default(8200), expected: 'a port number 0-65535' },
  PUBLIC_URL: { schema: httpUrl.optional(), expected: 'an http(s) URL' },
  TEMPORAL_ADDRESS: {
    schema: z
      .string()
      .regex(/^[^\s/:]+:\d{1,5}$/)
      .optional(),
    expected: 'host:port of a Temporal frontend, or unset for the embedded dev server',
  },
  TEMPORAL_NAMESPACE: {
    schema: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,255}$/)
      .default('artdag'),
    expected: 'a Temporal namespace name',
  },
  TEMPORAL_UI_URL: {
    schema: httpUrl.optional(),
    expected: "the http(s) URL of the Temporal Web UI, or unset (npm start links the embedded dev server's UI)",
  },
  TEMPORAL_TASK_QUEUE: {
    schema: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,255}$/)
      .default('artdag-l2'),
    expected: 'a task queue name',
  },
  TEMPORAL_TLS: {
    schema: booleanText.optional(),
    expected: 'true or false (default: true when TEMPORAL_API_KEY or a TEMPORAL_TLS_* certificate is set)',
  },
  TEMPORAL_TLS_CA: {
    schema: pem('CERTIFICATE').optional(),
    expected: "a PEM certificate of the CA that signed the Temporal frontend's certificate, or unset for the system CAs",
  },
  TEMPORAL_TLS_CERT: {
    schema: pem('CERTIFICATE').optional(),
    expected: 'a PEM client certificate for mTLS to Temporal (with TEMPORAL_TLS_KEY)',
  },
  TEMPORAL_TLS_KEY: {
    schema: pem('PRIVATE KEY').optional(),
    expected: 'the PEM private key of TEMPORAL_TLS_CERT',
  },
  TEMPORAL_TLS_SERVER_NAME: {
    schema: z
      .string()
      .regex(/^[A-Za-z0-9.-]{1,253}$/)
      .optional(),
    expected: "the host name to expect in the Temporal frontend's certificate, when it differs from TEMPORAL_ADDRESS",
  },
  TEMPORAL_API_KEY: {
    schema: z
      .string()
      .regex(/^[\x21-\x7e]{1,8192}$/)
      .optional(),
    expected: 'an API key (Temporal Cloud), sent as a bearer token over TLS',
  },
  ALLOW_PRIVATE_NETWORK: {
    schema: booleanText.default(false),
    expected: 'true or false (tests only: lets outbound HTTP reach loopback and private addresses)',
  },
  STORAGE_PRIVATE_HOSTS: {
    schema: commaList('').pipe(z.array(z.string().regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(:\d{1,5})?$/))),
    expected:
      'a comma-separated list of host or host:port (e.g. kubo:5001) that storage providers, and nothing else, may reach on private addresses',
  },
  TRUST_PROXY: {
    schema: booleanText.default(false),
    expected: 'true or false (true when a reverse proxy sets X-Forwarded-For/-Proto)',
  },
  LOG_LEVEL: {
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    expected: 'one of fatal, error, warn, info, debug, trace, silent',
  },
  BODY_LIMIT_BYTES: {
    schema: z.coerce.number().int().min(1024).default(1_048_576),
    expected: 'a byte count of at least 1024',
  },
  MAX_CONTENT_BYTES: {
    schema: z.coerce
      .number()
      .int()
      .min(1)
      .default(5 * 1024 ** 3),
    expected: 'the largest content (L1 output, upload) L2 stores, in bytes',
  },
  DELIVERY_RETRY_SCHEDULE: {
    schema: z
      .string()
      .regex(/^\d+(\.\d+)?(,\d+(\.\d+)?)*$/)
      .transform((s) => s.split(',').map(Number))
      .optional(),
    expected: 'comma-separated seconds between delivery attempts, e.g. 30,300,3600 (default: 16 attempts over about 3 days)',
  },
  HOST_UNAVAILABLE_AFTER_DAYS: {
    schema: z.coerce.number().min(0).default(7),
    expected: 'days a remote host may fail before deliveries to it are skipped',
  },
  OTS_CALENDARS: {
    schema: commaList(
      'https://a.pool.opentimestamps.org,https://b.pool.opentimestamps.org,https://a.pool.eternitywall.com,https://ots.btc.catallaxy.com',
    )
      .transform((urls) => urls.map((url) => url.replace(/\/+$/, '')))
      .pipe(z.array(httpUrl).min(1)),
    expected: 'a comma-separated list of OpenTimestamps calendar URLs',
  },
  OTS_MIN_CALENDARS: {
    schema: z.coerce.number().int().min(1).default(2),
    expected: 'how many calendars must accept a stamp (a whole number, at most the number of OTS_CALENDARS)',
  },
  BITCOIN_ESPLORA_URL: {
    schema: httpUrl.default('https://blockstream.info/api').transform((v) => v.replace(/\/+$/, '')),
    expected: 'the base URL of an Esplora API (e.g. https://blockstream.info/api)',
  },
  ANCHOR_INTERVAL: {
    schema: z
      .string()
      .regex(/^\d+(s|m|h|d)$/)
      .default('1h')
      .transform((v) => Number(v.slice(0, -1)) * { s: 1, m: 60, h: 3600, d: 86400 }[v.slice(-1) as 's' | 'm' | 'h' | 'd']),
    expected: 'a duration such as 30m, 1h or 1d',
  },
  STORAGE_ENCRYPTION_KEY: {
    schema: z
      .string()
      .regex(/^([0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=)$/)
      .optional(),
    expected: '32 bytes as 64 hex characters or base64, or unset to generate one in ARTDAG_DATA',
  },
  SESSION_TTL_HOURS: {
    schema: z.coerce.number().int().min(1).max(8760).default(720),
    expected: 'a number of hours between 1 and 8760',
  },
  LOGIN_RATE_LIMIT: {
    schema: rateLimit('10/15m'),
    expected: 'failed logins per account from one address, as count/window such as 10/15m, or off',
  },
  LOGIN_ADDRESS_RATE_LIMIT: {
    schema: rateLimit('50/15m'),
    expected: 'failed logins from one address over all accounts, as count/window such as 50/15m, or off',
  },
  REGISTER_RATE_LIMIT: {
    schema: rateLimit('20/1h'),
    expected: 'accounts created from one address, as count/window such as 20/1h, or off',
  },
  DEVICE_RATE_LIMIT: {
    schema: rateLimit('30/1m'),
    expected: 'requests from one address to each device-login endpoint, as count/window such as 30/1m, or off',
  },
  METRICS_TOKEN: {
    schema: z
      .string()
      .regex(/^[A-Za-z0-9._~+/=-]{32,}$/)
      .optional(),
    expected:
      'a bearer token of at least 32 characters (A-Z a-z 0-9 . _ ~ + / = -) for scraping /metrics, or unset (operator session only)',
  },
  SHUTDOWN_TIMEOUT_SECONDS: {
    schema: z.coerce.number().min(0).max(3600).default(10),
    expected: 'seconds in-flight requests get to finish after SIGTERM before their connections are cut (0-3600)',
  },
} as const;

type Variables = typeof variables;
type Parsed = { [K in keyof Variables]: z.output<Variables[K]['schema']> };

export interface Config {
  domain: string;
  operatorUser: string;
  dataDir: string;
  databaseUrl: string | undefined;
  l1Servers: string[];
  jwtSecret: string | undefined;
  host: string;
  port: number;
  publicUrl: string;
  temporal: {
    address: string | undefined;
    namespace: string;
    taskQueue: string;
    /** Set when the frontend speaks TLS (a cluster with certificates, Temporal Cloud). */
    tls?: TemporalTls;
    apiKey?: string;
  };
  /** Where the operator page links for workflows; main.ts fills in the embedded dev server's UI when unset. */
  temporalUiUrl: string | null;
  allowPrivateNetwork: boolean;
  /** Storage endpoints (host or host:port) that may resolve to private addresses, e.g. the stack's Kubo. */
  storagePrivateHosts: string[];
  trustProxy: boolean;
  logLevel: Parsed['LOG_LEVEL'];
  bodyLimitBytes: number;
  maxContentBytes: number;
  deliveryRetryDelays: number[];
  hostUnavailableAfterMs: number;
  ots: { calendars: string[]; minCalendars: number; esploraUrl: string; anchorIntervalSeconds: number };
  storageEncryptionKey: string | undefined;
  sessionTtlSeconds: number;
  /** Per client address (see TRUST_PROXY); null switches a limit off. */
  rateLimits: {
    login: RateLimitSetting | null;
    loginAddress: RateLimitSetting | null;
    register: RateLimitSetting | null;
    device: RateLimitSetting | null;
  };
  /** Bearer token that may read /metrics besides the operator's session. */
  metricsToken: string | undefined;
  shutdownTimeoutMs: number;
}

/** Settings that may come from `<NAME>_FILE`: the secrets, and the TLS material that is awkward in a variable. */
export const fileVariables = [
  'DATABASE_URL',
  'JWT_SECRET',
  'STORAGE_ENCRYPTION_KEY',
  'TEMPORAL_API_KEY',
  'TEMPORAL_TLS_KEY',
  'TEMPORAL_TLS_CERT',
  'TEMPORAL_TLS_CA',
  'METRICS_TOKEN',
] as const satisfies readonly (keyof typeof variables)[];

/** A variable's raw value and where it came from; `NAME_FILE` is read here, so nothing else touches the files. */
function rawValue(env: NodeJS.ProcessEnv, name: string): { value: string | undefined; source: string } {
  const direct = env[name] === '' ? undefined : env[name];
  const fileName = `${name}_FILE`;
  const file = (fileVariables as readonly string[]).includes(name) && env[fileName] !== '' ? env[fileName] : undefined;
  if (file === undefined) return { value: direct, source: name };
  if (direct !== undefined) throw new ConfigError(fileName, `to be unset when ${name} is set: set only one of ${name} and ${fileName}`);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ConfigError(fileName, `a readable file, but ${file} could not be read (${reason})`);
  }
  // Editors and `echo` end files with a newline; the value itself never does.
  const value = text.replace(/(\r?\n)+$/, '');
  if (value === '') throw new ConfigError(fileName, `a file holding the value of ${name}, but ${file} is empty`);
  return { value, source: `${fileName} (${file})` };
}

function parseAll(env: NodeJS.ProcessEnv): Parsed {
  const out: Record<string, unknown> = {};
  for (const [name, { schema, expected }] of Object.entries(variables)) {
    const { value, source } = rawValue(env, name);
    const result = (schema as z.ZodType).safeParse(value);
    // The message names where the value came from and never repeats the value: it may be a secret.
    if (!result.success) throw new ConfigError(source, expected);
    out[name] = result.data;
  }
  return out as Parsed;
}

/** TLS and API-key settings for the Temporal frontend; undefined means plaintext (a local cluster). */
export interface TemporalTls {
  /** PEM of the CA to trust instead of the system's. */
  ca?: string;
  /** PEM client certificate and key for mTLS. */
  clientCert?: { cert: string; key: string };
  serverName?: string;
}

function temporalTls(v: Parsed): TemporalTls | undefined {
  if (Boolean(v.TEMPORAL_TLS_CERT) !== Boolean(v.TEMPORAL_TLS_KEY)) {
    const missing = v.TEMPORAL_TLS_CERT ? 'TEMPORAL_TLS_KEY' : 'TEMPORAL_TLS_CERT';
    throw new ConfigError(missing, `${configVariables[missing]} (TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together)`);
  }
  const material = Boolean(v.TEMPORAL_TLS_CA || v.TEMPORAL_TLS_CERT || v.TEMPORAL_TLS_SERVER_NAME);
  const enabled = v.TEMPORAL_TLS ?? (material || Boolean(v.TEMPORAL_API_KEY));
  if (!enabled) {
    if (material) throw new ConfigError('TEMPORAL_TLS', 'true (or unset) when TEMPORAL_TLS_CA, _CERT, _KEY or _SERVER_NAME is set');
    return undefined;
  }
  return {
    ...(v.TEMPORAL_TLS_CA ? { ca: v.TEMPORAL_TLS_CA } : {}),
    ...(v.TEMPORAL_TLS_CERT && v.TEMPORAL_TLS_KEY ? { clientCert: { cert: v.TEMPORAL_TLS_CERT, key: v.TEMPORAL_TLS_KEY } } : {}),
    ...(v.TEMPORAL_TLS_SERVER_NAME ? { serverName: v.TEMPORAL_TLS_SERVER_NAME } : {}),
  };
}

function expandHome(p: string): string {
  if (p === '~') return os.homedir();
  if (p.startsWith('~/')) return path.join(os.homedir(), p.slice(2));
  return path.resolve(p);
}

/** Canonical form of an origin (scheme://host[:port]) so allowlist comparisons are exact. */
export function originOf(url: string): string {
  return new URL(url).origin;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const v = parseAll(env);
  if (v.OTS_MIN_CALENDARS > v.OTS_CALENDARS.length) throw new ConfigError('OTS_MIN_CALENDARS', configVariables.OTS_MIN_CALENDARS);
  return {
    domain: v.ARTDAG_DOMAIN,
    operatorUser: v.ARTDAG_USER,
    dataDir: expandHome(v.ARTDAG_DATA),
    databaseUrl: v.DATABASE_URL,
    l1Servers: v.L1_SERVERS.map(originOf),
    jwtSecret: v.JWT_SECRET,
    host: v.HOST,
    port: v.PORT,
    publicUrl: (v.PUBLIC_URL ?? `https://${v.ARTDAG_DOMAIN}`).replace(/\/+$/, ''),
    temporal: {
      address: v.TEMPORAL_ADDRESS,
      namespace: v.TEMPORAL_NAMESPACE,
      taskQueue: v.TEMPORAL_TASK_QUEUE,
      tls: temporalTls(v),
      apiKey: v.TEMPORAL_API_KEY,
    },
    temporalUiUrl: v.TEMPORAL_UI_URL?.replace(/\/+$/, '') ?? null,
    allowPrivateNetwork: v.ALLOW_PRIVATE_NETWORK,
    storagePrivateHosts: v.STORAGE_PRIVATE_HOSTS,
    trustProxy: v.TRUST_PROXY,
    logLevel: v.LOG_LEVEL,
    bodyLimitBytes: v.BODY_LIMIT_BYTES,
    maxContentBytes: v.MAX_CONTENT_BYTES,
    deliveryRetryDelays: v.DELIVERY_RETRY_SCHEDULE ?? defaultRetryDelays(),
    hostUnavailableAfterMs: v.HOST_UNAVAILABLE_AFTER_DAYS * 24 * 3600_000,
    ots: {
      calendars: v.OTS_CALENDARS,
      minCalendars: v.OTS_MIN_CALENDARS,
      esploraUrl: v.BITCOIN_ESPLORA_URL,
      anchorIntervalSeconds: v.ANCHOR_INTERVAL,
    },
    storageEncryptionKey: v.STORAGE_ENCRYPTION_KEY,
    sessionTtlSeconds: v.SESSION_TTL_HOURS * 3600,
    rateLimits: {
      login: v.LOGIN_RATE_LIMIT,
      loginAddress: v.LOGIN_ADDRESS_RATE_LIMIT,
      register: v.REGISTER_RATE_LIMIT,
      device: v.DEVICE_RATE_LIMIT,
    },
    metricsToken: v.METRICS_TOKEN,
    shutdownTimeoutMs: v.SHUTDOWN_TIMEOUT_SECONDS * 1000,
  };
}

/** Documentation of every variable, used by the README check test so the table never drifts. */
export const configVariables = Object.fromEntries(Object.entries(variables).map(([name, { expected }]) => [name, expected])) as Record<
  keyof Variables,
  string
>;
