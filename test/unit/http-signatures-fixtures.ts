// Keys, a fake key store and independent signers for the HTTP signature tests; written from the specs, not from our code.
import { constants, createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { IncomingRequest } from '../../src/federation/http-signatures.js';

export const NOW = new Date('2026-03-01T12:00:00Z');
export const NOW_SECONDS = NOW.getTime() / 1000;
export const KEY_ID = 'https://remote.test/users/bob#main-key';
export const INBOX = 'https://l2.test/users/alice/inbox';

export const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
export const rotatedRsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
export const ed25519 = generateKeyPairSync('ed25519');

export const ACTIVITY = Buffer.from(
  JSON.stringify({ type: 'Follow', actor: 'https://remote.test/users/bob', object: 'https://l2.test/users/alice' }),
);

/** The request as Node would hand it to us: lower-case header names, target from the URL. */
export function incoming(method: string, url: string, headers: Record<string, string>, body?: Buffer): IncomingRequest {
  const parsed = new URL(url);
  const lower = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
  return { method, target: parsed.pathname + parsed.search, url, headers: lower, ...(body === undefined ? {} : { body }) };
}

/** getKey over fixed maps, recording every call. */
export function keyring(keys: Record<string, KeyObject>, refreshed: Record<string, KeyObject> = keys) {
  const calls: Array<[string, boolean]> = [];
  const getKey = async (keyId: string, refresh: boolean) => {
    calls.push([keyId, refresh]);
    return (refresh ? refreshed[keyId] : keys[keyId]) ?? null;
  };
  return { calls, getKey };
}

export const sha256Base64 = (body: Buffer) => createHash('sha256').update(body).digest('base64');

/** A draft-cavage Signature header built by hand, with the covered names in exactly the given order. */
export function cavageSignature(options: {
  method: string;
  target: string;
  headers: Record<string, string>;
  covered: string[];
  privateKey: KeyObject;
  algorithm?: string;
  created?: number;
  keyId?: string;
}): string {
  const lines = options.covered.map((name) => {
    if (name === '(request-target)') return `${name}: ${options.method.toLowerCase()} ${options.target}`;
    if (name === '(created)') return `${name}: ${options.created}`;
    return `${name}: ${options.headers[name]}`;
  });
  const hash = options.privateKey.asymmetricKeyType === 'ed25519' ? null : 'sha256';
  const signature = sign(hash, Buffer.from(lines.join('\n')), options.privateKey).toString('base64');
  return [
    `keyId="${options.keyId ?? KEY_ID}"`,
    options.algorithm === undefined ? null : `algorithm="${options.algorithm}"`,
    options.created === undefined ? null : `created=${options.created}`,
    `headers="${options.covered.join(' ')}"`,
    `signature="${signature}"`,
  ]
    .filter((part) => part !== null)
    .join(',');
}

/** RFC 9421 Signature-Input and Signature headers for plain (parameterless) components. */
export function rfc9421Headers(options: {
  method: string;
  url: string;
  headers: Record<string, string>;
  components: string[];
  params: string;
  privateKey: KeyObject;
  alg: 'rsa-v1_5-sha256' | 'rsa-pss-sha512' | 'ed25519';
  label?: string;
}): { 'signature-input': string; signature: string } {
  const url = new URL(options.url);
  const derived: Record<string, string> = {
    '@method': options.method,
    '@target-uri': url.href,
    '@authority': url.host,
    '@path': url.pathname,
  };
  const inner = `(${options.components.map((c) => `"${c}"`).join(' ')})`;
  const base = [
    ...options.components.map((c) => `"${c}": ${derived[c] ?? options.headers[c]}`),
    `"@signature-params": ${inner};${options.params}`,
  ].join('\n');
  const signature =
    options.alg === 'ed25519'
      ? sign(null, Buffer.from(base), options.privateKey)
      : options.alg === 'rsa-pss-sha512'
        ? sign('sha512', Buffer.from(base), { key: options.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 })
        : sign('sha256', Buffer.from(base), options.privateKey);
  const label = options.label ?? 'sig1';
  return { 'signature-input': `${label}=${inner};${options.params}`, signature: `${label}=:${signature.toString('base64')}:` };
}
