// draft-cavage-http-signatures-12, the `Signature` header most of the fediverse sends: signing, parsing and pre-crypto checks.
import { sign, type KeyObject } from 'node:crypto';
import { checkDigest, digestHeader, expectsBody } from './digest.js';
import type { IncomingRequest, OutgoingRequest, SignatureFailure } from './http-signatures.js';
import {
  SUPPORTED_ALGORITHMS,
  checkDateHeader,
  checkExpires,
  headerValue,
  outsideWindow,
  reject,
  type Clock,
  type Preparation,
} from './signature-common.js';
import { isCanonicalBase64 } from './structured-fields.js';

interface CavageParams {
  keyId: string;
  algorithm: string | undefined;
  /** Lower-case, in the order the sender listed them. */
  headers: string[];
  signature: Buffer;
  /** Kept as sent: `(created)` and `(expires)` sign the literal text. */
  created: string | undefined;
  expires: string | undefined;
}

const PARAM = /\s*([A-Za-z]+)=(?:"([^"]*)"|([^,\s"]*))\s*/y;
/** Anything else is far likelier a typo or tampering than an extension, and would otherwise pass silently. */
const KNOWN_PARAMS = new Set(['keyId', 'algorithm', 'headers', 'signature', 'created', 'expires']);
const TIMESTAMP = /^\d{1,12}(\.\d{1,9})?$/;

/** The parameter string from `Signature`, or from `Authorization: Signature …` when that is all there is. */
function cavageHeaderOf(req: IncomingRequest): string | undefined {
  const signature = headerValue(req, 'signature');
  if (signature !== undefined) return signature;
  const authorization = headerValue(req, 'authorization');
  return authorization !== undefined && /^signature\s/i.test(authorization) ? authorization.slice(10).trim() : undefined;
}

/** The parsed parameters, or a sentence saying what is wrong with them. */
function parseCavage(text: string): CavageParams | string {
  const raw = new Map<string, string>();
  for (let pos = 0; ; pos++) {
    PARAM.lastIndex = pos;
    const match = PARAM.exec(text);
    if (!match) return `Signature header cannot be parsed at position ${pos}; expect name="value" pairs separated by commas`;
    const name = match[1] as string;
    if (!KNOWN_PARAMS.has(name)) return `Signature header has unknown parameter ${name}`;
    if (raw.has(name)) return `Signature header repeats the ${name} parameter`;
    raw.set(name, match[2] ?? match[3] ?? '');
    pos = PARAM.lastIndex;
    if (pos === text.length) break;
    if (text[pos] !== ',') return `Signature header cannot be parsed at position ${pos}; expected a comma`;
  }
  const keyId = raw.get('keyId');
  const signature = raw.get('signature');
  if (!keyId) return 'Signature header has no keyId';
  if (signature === undefined || !isCanonicalBase64(signature)) return 'Signature header has no base64 signature parameter';
  const headers = (raw.get('headers') ?? 'date').toLowerCase().split(/\s+/).filter(Boolean);
  if (headers.length === 0) return 'Signature header has an empty headers list';
  const created = raw.get('created');
  const expires = raw.get('expires');
  if ([created, expires].some((value) => value !== undefined && !TIMESTAMP.test(value))) {
    return 'Signature created and expires parameters must be Unix times in seconds';
  }
  const algorithm = raw.get('algorithm')?.toLowerCase();
  return { keyId, algorithm, headers, signature: Buffer.from(signature, 'base64'), created, expires };
}

/** The signing string, or the first covered name the request does not have. */
function signingString(
  params: Pick<CavageParams, 'headers' | 'created' | 'expires'>,
  requestTarget: string,
  lookup: (name: string) => string | undefined,
): { ok: true; text: string } | { ok: false; missing: string } {
  const lines: string[] = [];
  for (const name of params.headers) {
    const value =
      name === '(request-target)'
        ? requestTarget
        : name === '(created)'
          ? params.created
          : name === '(expires)'
            ? params.expires
            : name.startsWith('(')
              ? undefined
              : lookup(name);
    if (value === undefined) return { ok: false, missing: name };
    lines.push(`${name}: ${value}`);
  }
  return { ok: true, text: lines.join('\n') };
}

/** Parses and checks everything that needs no key; missing_signature when there is no cavage signature at all. */
export function prepareCavage(req: IncomingRequest, clock: Clock): Preparation {
  const text = cavageHeaderOf(req);
  if (text === undefined) {
    return reject(
      undefined,
      'missing_signature',
      'request has no Signature header; sign it with HTTP Signatures (draft-cavage-12 or RFC 9421)',
    );
  }
  const params = parseCavage(text);
  if (typeof params === 'string') return reject('cavage', 'malformed_signature', params);
  const fail = (failure: SignatureFailure, message: string) => reject('cavage', failure, message, params.keyId);

  if (params.algorithm !== undefined && !SUPPORTED_ALGORITHMS.cavage.includes(params.algorithm)) {
    return fail('unsupported_algorithm', `algorithm "${params.algorithm}" is not supported; sign with rsa-sha256 or hs2019`);
  }
  const withBody = expectsBody(req.method, req.body);
  const digest = headerValue(req, 'digest');
  if (withBody && digest === undefined) {
    return fail('missing_digest', 'request has a body but no Digest header; send Digest: SHA-256=<base64 of the body> and sign it');
  }
  const covers = (name: string) => params.headers.includes(name);
  const missing = ['(request-target)', 'host'].filter((name) => !covers(name));
  if (!covers('date') && !covers('(created)')) missing.push('date');
  if (withBody && !covers('digest')) missing.push('digest');
  if (missing.length > 0) {
    return fail('insufficient_coverage', `signature must cover ${missing.join(', ')}; it covers only "${params.headers.join(' ')}"`);
  }

  const lookup = (name: string) => headerValue(req, name);
  const built = signingString(params, `${req.method.toLowerCase()} ${req.target}`, lookup);
  if (!built.ok) {
    return fail('missing_covered_header', `signature covers "${built.missing}" but the request has no such header or parameter`);
  }
  const signed = [Buffer.from(built.text)];
  // Fedify, Misskey and older Mastodon sign (request-target) without the query string; accept that reading too, as Mastodon did.
  const query = req.target.indexOf('?');
  if (query >= 0) {
    const pathOnly = signingString(params, `${req.method.toLowerCase()} ${req.target.slice(0, query)}`, lookup);
    if (pathOnly.ok) signed.push(Buffer.from(pathOnly.text));
  }

  const created = params.created === undefined ? null : outsideWindow('signature created time', Number(params.created) * 1000, clock);
  const date = covers('date') ? checkDateHeader(headerValue(req, 'date') as string, clock) : null;
  const expired = checkExpires(params.expires === undefined ? undefined : Number(params.expires), clock);
  const stale = created ?? date ?? expired;
  if (stale) return fail('date_out_of_window', stale);

  if (digest !== undefined && (withBody || req.body !== undefined)) {
    const check = checkDigest(digest, req.body ?? Buffer.alloc(0));
    if (!check.ok) return fail(check.failure, check.message);
  }
  const candidate = {
    scheme: 'cavage' as const,
    keyId: params.keyId,
    algorithm: params.algorithm,
    signed,
    signature: params.signature,
  };
  return { ok: true, candidate };
}

export function describeCavage(req: IncomingRequest) {
  const text = cavageHeaderOf(req);
  const params = text === undefined ? undefined : parseCavage(text);
  if (params === undefined || typeof params === 'string') return null;
  return { scheme: 'cavage' as const, keyId: params.keyId, algorithm: params.algorithm ?? '', covered: params.headers };
}

/** Signs with rsa-sha256; Host and Date keep the caller's values when given, Digest is always computed from the body. */
export function signCavage(req: OutgoingRequest, key: { keyId: string; privateKey: KeyObject }, now: Date): Record<string, string> {
  if (key.privateKey.asymmetricKeyType !== 'rsa') throw new TypeError('signRequest signs rsa-sha256 and needs an RSA private key');
  if (key.keyId.includes('"')) throw new TypeError(`keyId ${key.keyId} cannot contain a double quote`);
  const url = new URL(req.url);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers ?? {})) {
    if (!['digest', 'signature'].includes(name.toLowerCase())) headers[name] = value;
  }
  const find = (name: string) => Object.keys(headers).find((key) => key.toLowerCase() === name);
  if (find('host') === undefined) headers.Host = url.host;
  if (find('date') === undefined) headers.Date = now.toUTCString();

  const covered = ['(request-target)', 'host', 'date'];
  if (expectsBody(req.method, req.body)) {
    headers.Digest = digestHeader(Buffer.from(req.body ?? ''));
    covered.push('digest');
    if (find('content-type') !== undefined) covered.push('content-type');
  } else if (find('accept') !== undefined) {
    covered.push('accept');
  }
  const requestTarget = `${req.method.toLowerCase()} ${url.pathname}${url.search}`;
  const lookup = (name: string) => {
    const found = find(name);
    return found === undefined ? undefined : (headers[found] as string).trim();
  };
  const built = signingString({ headers: covered, created: undefined, expires: undefined }, requestTarget, lookup);
  if (!built.ok) throw new Error(`cannot sign: no ${built.missing} header`);
  const signature = sign('sha256', Buffer.from(built.text), key.privateKey).toString('base64');
  headers.Signature = `keyId="${key.keyId}",algorithm="rsa-sha256",headers="${covered.join(' ')}",signature="${signature}"`;
  return headers;
}
