// `<NAME>_FILE` settings (Docker and Kubernetes secrets) and the Temporal TLS / API-key settings of src/config.ts.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, fileVariables, loadConfig } from '../../src/config.js';
import { temporalConnectionOptions } from '../../src/temporal/connection.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'config-files-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
}

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const SECRET = 's3cret-value-that-is-long-enough-for-hs256!';
const KEY_HEX = 'ab'.repeat(32);
const DB_URL = 'postgres://artdag:p%40ss@db.internal:5432/artdag';

// A throwaway self-signed certificate and key, made once with the system's openssl.
const certFile = path.join(dir, 'client.crt');
const keyFile = path.join(dir, 'client.key');
execFileSync(
  'openssl',
  ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1'].concat([
    '-subj',
    '/CN=artdag-test',
    '-keyout',
    keyFile,
    '-out',
    certFile,
  ]),
  { stdio: 'ignore' },
);
const CERT = fs.readFileSync(certFile, 'utf8');
const KEY = fs.readFileSync(keyFile, 'utf8');

describe('<NAME>_FILE', () => {
  it('reads each secret from its file, without the trailing newline', () => {
    const config = loadConfig({
      JWT_SECRET_FILE: file('jwt', `${SECRET}\n`),
      DATABASE_URL_FILE: file('db', `${DB_URL}\r\n`),
      STORAGE_ENCRYPTION_KEY_FILE: file('key', `${KEY_HEX}\n\n`),
      TEMPORAL_API_KEY_FILE: file('api-key', 'tcld_abc.DEF-123\n'),
    });
    expect(config.jwtSecret).toBe(SECRET);
    expect(config.databaseUrl).toBe(DB_URL);
    expect(config.storageEncryptionKey).toBe(KEY_HEX);
    expect(config.temporal.apiKey).toBe('tcld_abc.DEF-123');
  });

  it('keeps whitespace inside the value and only strips line ends at the end', () => {
    const config = loadConfig({ JWT_SECRET_FILE: file('spaced', `  ${SECRET} tail  \n`) });
    expect(config.jwtSecret).toBe(`  ${SECRET} tail  `);
  });

  it('reads PEM certificates and keys for Temporal mTLS from files', () => {
    const config = loadConfig({
      TEMPORAL_TLS_CERT_FILE: certFile,
      TEMPORAL_TLS_KEY_FILE: keyFile,
      TEMPORAL_TLS_CA_FILE: certFile,
    });
    expect(config.temporal.tls).toEqual({ ca: CERT.trimEnd(), clientCert: { cert: CERT.trimEnd(), key: KEY.trimEnd() } });
  });

  it.each(fileVariables)('refuses %s together with its _FILE variant, naming both', (name) => {
    const error = errorOf(() => loadConfig({ [name]: 'x', [`${name}_FILE`]: file(`both-${name}`, 'y') }));
    expect(error.message).toContain(`${name}_FILE`);
    expect(error.message).toMatch(new RegExp(`\\b${name}\\b.*\\b${name}\\b`));
    expect(error.message).not.toContain('\n');
  });

  it('names the file it cannot read, and why', () => {
    const missing = path.join(dir, 'no-such-secret');
    const error = errorOf(() => loadConfig({ JWT_SECRET_FILE: missing }));
    expect(error.message).toBe(`JWT_SECRET_FILE: expected a readable file, but ${missing} could not be read (ENOENT)`);
    const directory = errorOf(() => loadConfig({ DATABASE_URL_FILE: dir }));
    expect(directory.message).toContain(`${dir} could not be read (EISDIR)`);
  });

  it('refuses an empty file instead of silently falling back to a generated secret', () => {
    const empty = file('empty', '\n');
    expect(errorOf(() => loadConfig({ JWT_SECRET_FILE: empty })).message).toBe(
      `JWT_SECRET_FILE: expected a file holding the value of JWT_SECRET, but ${empty} is empty`,
    );
  });

  it('names the file when its content is invalid, and never repeats the content', () => {
    const short = file('short', 'too-short-secret\n');
    const error = errorOf(() => loadConfig({ JWT_SECRET_FILE: short }));
    expect(error.message).toBe(
      `JWT_SECRET_FILE (${short}): expected a secret of at least 32 characters, or unset to generate one in ARTDAG_DATA`,
    );
    expect(error.message).not.toContain('too-short-secret');
    const url = errorOf(() => loadConfig({ DATABASE_URL_FILE: file('mysql', 'mysql://root:hunter2@db/x') }));
    expect(url.message).toMatch(/^DATABASE_URL_FILE \(.*\): expected a postgres:\/\/ connection URL/);
    expect(url.message).not.toContain('hunter2');
  });

  it('treats an empty NAME_FILE as unset, like any empty variable', () => {
    expect(loadConfig({ JWT_SECRET: SECRET, JWT_SECRET_FILE: '' }).jwtSecret).toBe(SECRET);
  });

  it('applies only to secret-bearing variables', () => {
    expect(loadConfig({ PORT_FILE: file('port', '9999') }).port).toBe(8200);
  });

  it('reads only the environment it is given', () => {
    const saved = process.env.JWT_SECRET_FILE;
    process.env.JWT_SECRET_FILE = path.join(dir, 'not-there');
    try {
      expect(loadConfig({ JWT_SECRET: SECRET }).jwtSecret).toBe(SECRET);
    } finally {
      if (saved === undefined) delete process.env.JWT_SECRET_FILE;
      else process.env.JWT_SECRET_FILE = saved;
    }
  });
});

describe('Temporal TLS and API key', () => {
  it('connects in plaintext when nothing is set', () => {
    const config = loadConfig({ TEMPORAL_ADDRESS: 'temporal:7233' });
    expect(config.temporal.tls).toBeUndefined();
    expect(temporalConnectionOptions({ ...config.temporal, address: 'temporal:7233' })).toEqual({ address: 'temporal:7233', tls: false });
  });

  it('turns TLS on for an API key and sends the namespace with it (Temporal Cloud)', () => {
    const config = loadConfig({
      TEMPORAL_ADDRESS: 'eu-west-1.aws.api.temporal.io:7233',
      TEMPORAL_NAMESPACE: 'artdag.a1b2c',
      TEMPORAL_API_KEY: 'key-1',
    });
    expect(config.temporal.tls).toEqual({});
    expect(temporalConnectionOptions({ ...config.temporal, address: config.temporal.address! })).toEqual({
      address: 'eu-west-1.aws.api.temporal.io:7233',
      tls: {},
      apiKey: 'key-1',
      metadata: { 'temporal-namespace': 'artdag.a1b2c' },
    });
  });

  it('passes a CA, a client pair and a server name through as the SDK expects', () => {
    const config = loadConfig({
      TEMPORAL_TLS_CA: CERT,
      TEMPORAL_TLS_CERT: CERT,
      TEMPORAL_TLS_KEY: KEY,
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    });
    const options = temporalConnectionOptions({ ...config.temporal, address: 'temporal:7233' });
    expect(options.tls).toEqual({
      serverNameOverride: 'temporal.internal',
      serverRootCACertificate: Buffer.from(CERT),
      clientCertPair: { crt: Buffer.from(CERT), key: Buffer.from(KEY) },
    });
    expect(options.apiKey).toBeUndefined();
  });

  it('takes TEMPORAL_TLS=true alone for a frontend with a publicly trusted certificate', () => {
    expect(loadConfig({ TEMPORAL_TLS: 'true' }).temporal.tls).toEqual({});
  });

  it('sends an API key in plaintext only when TLS is turned off explicitly', () => {
    const config = loadConfig({ TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'key-1' });
    expect(config.temporal.tls).toBeUndefined();
    expect(temporalConnectionOptions({ ...config.temporal, address: 'temporal:7233' }).tls).toBe(false);
  });

  it('refuses a certificate without its key, and the other way round', () => {
    expect(errorOf(() => loadConfig({ TEMPORAL_TLS_CERT: CERT })).message).toMatch(/^TEMPORAL_TLS_KEY: expected .*go together/);
    expect(errorOf(() => loadConfig({ TEMPORAL_TLS_KEY_FILE: keyFile })).message).toMatch(/^TEMPORAL_TLS_CERT: expected .*go together/);
  });

  it('refuses TLS material with TEMPORAL_TLS=false', () => {
    expect(errorOf(() => loadConfig({ TEMPORAL_TLS: 'false', TEMPORAL_TLS_CA: CERT })).message).toMatch(/^TEMPORAL_TLS: expected true/);
  });

  it('refuses text that is not PEM, without repeating it', () => {
    const error = errorOf(() => loadConfig({ TEMPORAL_TLS_KEY_FILE: certFile, TEMPORAL_TLS_CERT_FILE: certFile }));
    expect(error.message).toBe(`TEMPORAL_TLS_KEY_FILE (${certFile}): expected the PEM private key of TEMPORAL_TLS_CERT`);
  });
});

describe('README', () => {
  it('documents every NAME_FILE variable', () => {
    const readme = fs.readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(fileVariables.filter((name) => !readme.includes(`\`${name}_FILE\``))).toEqual([]);
  });
});
