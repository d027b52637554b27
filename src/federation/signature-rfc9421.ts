// RFC 9421 HTTP message signatures (what Fedify knocks with first): Signature-Input parsing, the signature base, pre-crypto checks.
import { checkContentDigest, expectsBody } from './digest.js';
import type { IncomingRequest, SignatureFailure } from './http-signatures.js';
import {
  SUPPORTED_ALGORITHMS,
  checkDateHeader,
  checkExpires,
  headerValue,
  outsideWindow,
  reject,
  type Clock,
  type Preparation,
  type Rejection,
} from './signature-common.js';
import {
  StructuredFieldError,
  isInnerList,
  parseDictionary,
  serializeDictionary,
  serializeItem,
  serializeMember,
  type BareItem,
  type InnerList,
  type Item,
  type Member,
} from './structured-fields.js';

/** Fields we know to be dictionaries, so `;sf` can re-serialize them. */
const DICTIONARY_FIELDS = new Set(['content-digest', 'repr-digest', 'signature', 'signature-input']);

interface Label {
  name: string;
  input: InnerList;
  keyId: string;
  algorithm: string | undefined;
  created: number | undefined;
  expires: number | undefined;
  /** Component names without their parameters, for coverage checks. */
  covered: string[];
}

const param = (input: InnerList, name: string, kind: BareItem['kind']): BareItem | null | undefined => {
  const value = input.params.get(name);
  return value === undefined ? undefined : value.kind === kind ? value : null;
};

/** One Signature-Input member, checked for shape; a sentence when it is not usable. */
function readLabel(name: string, member: Member): Label | string {
  if (!isInnerList(member)) return `Signature-Input ${name} is not a list of components`;
  const covered: string[] = [];
  const identifiers = new Set<string>();
  for (const item of member.items) {
    if (item.value.kind !== 'string') return `Signature-Input ${name} lists a component that is not a string`;
    const component = item.value.value;
    if (component !== component.toLowerCase() || component === '@signature-params') {
      return `Signature-Input ${name} lists invalid component "${component}"`;
    }
    const identifier = serializeItem(item);
    if (identifiers.has(identifier)) return `Signature-Input ${name} lists ${identifier} twice`;
    identifiers.add(identifier);
    covered.push(component);
  }
  const [keyId, alg, created, expires] = [
    param(member, 'keyid', 'string'),
    param(member, 'alg', 'string'),
    param(member, 'created', 'integer'),
    param(member, 'expires', 'integer'),
  ];
  if (!keyId) return `Signature-Input ${name} has no keyid string`;
  if (alg === null || created === null || expires === null) return `Signature-Input ${name} has a wrongly typed alg, created or expires`;
  return {
    name,
    input: member,
    keyId: String(keyId.value),
    algorithm: alg === undefined ? undefined : String(alg.value).toLowerCase(),
    created: created?.value as number | undefined,
    expires: expires?.value as number | undefined,
    covered,
  };
}

type Problem = { failure: SignatureFailure; message: string };
const problem = (failure: SignatureFailure, message: string): Problem => ({ failure, message });

/** Derived components (§2.2) for a request: scheme and authority from the public URL, path and query as received. */
function derivedValue(req: IncomingRequest, origin: URL, name: string): string | Problem {
  const query = req.target.indexOf('?');
  switch (name) {
    case '@method':
      return req.method;
    case '@target-uri':
      return `${origin.protocol}//${origin.host}${req.target}`;
    case '@authority':
      return origin.host;
    case '@scheme':
      return origin.protocol.slice(0, -1);
    case '@request-target':
      return req.target;
    case '@path':
      return (query < 0 ? req.target : req.target.slice(0, query)) || '/';
    case '@query':
      return query < 0 ? '?' : req.target.slice(query);
    default:
      return problem('malformed_signature', `derived component "${name}" is not supported for requests`);
  }
}

/** A header component, re-serialized when it carries ;sf or ;key (§2.1.1, §2.1.2). */
function headerComponent(req: IncomingRequest, name: string, item: Item): string | Problem {
  const raw = headerValue(req, name);
  if (raw === undefined) return problem('missing_covered_header', `signature covers "${name}" but the request has no such header`);
  const key = item.params.get('key');
  if (key === undefined && !item.params.has('sf')) return raw;
  if (key === undefined && !DICTIONARY_FIELDS.has(name)) {
    return problem('malformed_signature', `cannot re-serialize "${name}" as a structured field`);
  }
  try {
    const dictionary = parseDictionary(raw);
    if (key === undefined) return serializeDictionary(dictionary);
    const member = key.kind === 'string' ? dictionary.get(key.value) : undefined;
    return member ? serializeMember(member) : problem('missing_covered_header', `signature covers a member of "${name}" that is absent`);
  } catch (error) {
    if (!(error instanceof StructuredFieldError)) throw error;
    return problem('malformed_signature', `"${name}" is not a structured dictionary: ${error.message}`);
  }
}

function componentValue(req: IncomingRequest, origin: URL, item: Item): string | Problem {
  const name = (item.value as { value: string }).value;
  const derived = name.startsWith('@');
  const unsupported = [...item.params.keys()].find((key) => derived || (key !== 'sf' && key !== 'key'));
  if (unsupported !== undefined) {
    return problem('malformed_signature', `component "${name}" with parameter ;${unsupported} is not supported`);
  }
  return derived ? derivedValue(req, origin, name) : headerComponent(req, name, item);
}

/** The RFC 9421 §2.5 signature base for one Signature-Input member. `url` supplies scheme and authority, `target` the rest. */
export function signatureBase(req: IncomingRequest, input: InnerList): { ok: true; base: string } | ({ ok: false } & Problem) {
  const origin = new URL(req.url);
  const lines: string[] = [];
  for (const item of input.items) {
    const value = componentValue(req, origin, item);
    if (typeof value !== 'string') return { ok: false, ...value };
    lines.push(`${serializeItem(item)}: ${value}`);
  }
  lines.push(`"@signature-params": ${serializeMember(input)}`);
  return { ok: true, base: lines.join('\n') };
}

function prepareLabel(req: IncomingRequest, label: Label, signature: Member | undefined, clock: Clock): Preparation {
  const fail = (failure: SignatureFailure, message: string): Rejection => reject('rfc9421', failure, message, label.keyId);
  if (signature === undefined || isInnerList(signature) || signature.value.kind !== 'bytes') {
    return fail('malformed_signature', `Signature header has no byte sequence for label ${label.name}`);
  }
  if (label.algorithm !== undefined && !SUPPORTED_ALGORITHMS.rfc9421.includes(label.algorithm)) {
    return fail('unsupported_algorithm', `alg "${label.algorithm}" is not supported; use ${SUPPORTED_ALGORITHMS.rfc9421.join(', ')}`);
  }
  const withBody = expectsBody(req.method, req.body);
  const contentDigest = headerValue(req, 'content-digest');
  if (withBody && contentDigest === undefined) {
    return fail('missing_digest', 'request has a body but no Content-Digest header; send Content-Digest: sha-256=:<base64>: and cover it');
  }
  const covers = (name: string) => label.covered.includes(name);
  const missing: string[] = covers('@method') ? [] : ['@method'];
  if (!covers('@target-uri') && !(covers('@authority') && (covers('@path') || covers('@request-target')))) missing.push('@target-uri');
  if (withBody && !covers('content-digest')) missing.push('content-digest');
  if (label.created === undefined && !covers('date')) missing.push('created (or "date")');
  if (missing.length > 0) return fail('insufficient_coverage', `signature ${label.name} must cover ${missing.join(', ')}`);

  const built = signatureBase(req, label.input);
  if (!built.ok) return fail(built.failure, built.message);

  const date = covers('date') ? checkDateHeader(headerValue(req, 'date') as string, clock) : null;
  const created = label.created === undefined ? null : outsideWindow('signature created time', label.created * 1000, clock);
  const stale = created ?? date ?? checkExpires(label.expires, clock);
  if (stale) return fail('date_out_of_window', stale);

  if (contentDigest !== undefined && (withBody || req.body !== undefined)) {
    const check = checkContentDigest(contentDigest, req.body ?? Buffer.alloc(0));
    if (!check.ok) return fail(check.failure, check.message);
  }
  const candidate = {
    scheme: 'rfc9421' as const,
    keyId: label.keyId,
    algorithm: label.algorithm,
    signed: [Buffer.from(built.base)],
    signature: signature.value.value,
  };
  return { ok: true, candidate };
}

function readHeaders(req: IncomingRequest): { labels: Array<Label | string>; signatures: Map<string, Member> } | Rejection {
  const signatureHeader = headerValue(req, 'signature');
  if (signatureHeader === undefined) return reject('rfc9421', 'missing_signature', 'request has Signature-Input but no Signature header');
  try {
    const inputs = parseDictionary(headerValue(req, 'signature-input') as string);
    const signatures = parseDictionary(signatureHeader);
    if (inputs.size === 0) return reject('rfc9421', 'malformed_signature', 'Signature-Input lists no signatures');
    return { labels: [...inputs].map(([name, member]) => readLabel(name, member)), signatures };
  } catch (error) {
    if (!(error instanceof StructuredFieldError)) throw error;
    return reject('rfc9421', 'malformed_signature', `Signature-Input or Signature is not a structured dictionary: ${error.message}`);
  }
}

/** One preparation per Signature-Input label, in the order sent; the caller accepts the first that verifies. */
export function prepareRfc9421(req: IncomingRequest, clock: Clock): Preparation[] {
  const read = readHeaders(req);
  if ('ok' in read) return [read];
  return read.labels.map((label) =>
    typeof label === 'string'
      ? reject('rfc9421', 'malformed_signature', label)
      : prepareLabel(req, label, read.signatures.get(label.name), clock),
  );
}

export function describeRfc9421(req: IncomingRequest) {
  const read = readHeaders(req);
  const label = 'ok' in read ? undefined : read.labels[0];
  if (label === undefined || typeof label === 'string') return null;
  const covered = label.input.items.map((item) => serializeItem(item).replace(/^"([^"]*)"/, '$1'));
  return { scheme: 'rfc9421' as const, keyId: label.keyId, algorithm: label.algorithm ?? '', covered };
}
