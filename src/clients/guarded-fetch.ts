// The one outbound HTTP client: refuses non-public addresses (also after DNS and redirects), caps time and size.
import net from 'node:net';
import { Readable } from 'node:stream';
import { Agent, type Dispatcher } from 'undici';
import { LookupRefusal, defaultResolver, guardedLookup, isBlockedAddress, type Resolver } from './ip-ranges.js';

export { isBlockedAddress, type Resolver };

export type OutboundErrorKind =
  'invalid_url' | 'blocked_address' | 'dns' | 'timeout' | 'refused' | 'reset' | 'too_large' | 'too_many_redirects' | 'tls' | 'network';

export class OutboundRequestError extends Error {
  constructor(
    readonly kind: OutboundErrorKind,
    readonly method: string,
    readonly url: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${method} ${url}: ${detail}`, options);
    this.name = 'OutboundRequestError';
  }
}

export class InvalidJsonBody extends Error {
  constructor(method: string, url: string, contentType: string | undefined, body: string) {
    super(
      `${method} ${url}: expected a JSON body but got ${contentType ?? 'no content-type'}, starting ${JSON.stringify(body.slice(0, 80))}`,
    );
    this.name = 'InvalidJsonBody';
  }
}

export interface GuardedClientOptions {
  /** Tests only: when true nothing is blocked by address. */
  allowPrivateNetwork: boolean;
  userAgent: string;
  /** The whole request including reading the body; default 15 s. */
  timeoutMs?: number;
  connectTimeoutMs?: number;
  maxBytes?: number;
  maxRedirects?: number;
  lookup?: Resolver;
  /** Tests only: replaces the public-unicast rule, so a test can allow exactly its loopback server and nothing else. */
  isAllowedAddress?: (ip: string) => boolean;
}

export interface GuardedRequest {
  method?: string;
  headers?: Record<string, string>;
  /** A streamed body (large uploads) cannot be sent twice, so it needs `redirect: 'manual'`. */
  body?: string | Buffer | Readable;
  timeoutMs?: number;
  maxBytes?: number;
  redirect?: 'follow' | 'manual';
  signal?: AbortSignal;
}

export interface GuardedResponse {
  status: number;
  /** The final URL, after redirects. */
  url: string;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  text(): Promise<string>;
  bytes(): Promise<Buffer>;
  json<T = unknown>(): Promise<T>;
  stream(): Readable;
  discard(): Promise<void>;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const CROSS_ORIGIN_SECRETS = ['authorization', 'cookie'];
const KNOWN_CODES: Record<string, [OutboundErrorKind, string]> = {
  ECONNREFUSED: ['refused', 'connection refused by'],
  ECONNRESET: ['reset', 'connection reset by'],
  EPIPE: ['reset', 'connection reset by'],
  UND_ERR_SOCKET: ['reset', 'connection closed early by'],
  ENOTFOUND: ['dns', 'could not resolve'],
  EAI_AGAIN: ['dns', 'could not resolve'],
  UND_ERR_CONNECT_TIMEOUT: ['timeout', 'could not connect in time to'],
  ETIMEDOUT: ['timeout', 'could not connect in time to'],
  UND_ERR_HEADERS_TIMEOUT: ['timeout', 'no answer in time from'],
  UND_ERR_BODY_TIMEOUT: ['timeout', 'no answer in time from'],
};
const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|HOSTNAME_MISMATCH|EPROTO$)/;

/** One request to one URL (each redirect is a new hop): names errors after it and knows whose abort ended it. */
class Hop {
  readonly url: string;
  readonly host: string;

  constructor(
    readonly method: string,
    target: URL,
    private readonly deadline: AbortSignal,
    private readonly timeoutMs: number,
    private readonly callerSignal: AbortSignal | undefined,
  ) {
    this.url = target.href;
    this.host = target.host;
  }

  error(kind: OutboundErrorKind, detail: string, cause?: unknown): OutboundRequestError {
    return new OutboundRequestError(kind, this.method, this.url, detail, { cause });
  }

  /** The caller's own abort passes through untouched: it is a cancellation, not an outbound failure. */
  failure(err: unknown): unknown {
    if (err instanceof OutboundRequestError) return err;
    if (this.callerSignal?.aborted && !this.deadline.aborted) return this.callerSignal.reason;
    if (err instanceof LookupRefusal) return this.error(err.kind, err.message, err);
    if (this.deadline.aborted) return this.error('timeout', `no complete response within ${this.timeoutMs} ms`, err);
    const { code = '', reason } = (err ?? {}) as { code?: string; reason?: string };
    const known = KNOWN_CODES[code];
    if (known) return this.error(known[0], `${known[1]} ${this.host}`, err);
    const message = reason ?? (err instanceof Error ? err.message : String(err));
    if (TLS_CODES.test(code)) return this.error('tls', `TLS with ${this.host} failed: ${message}`, err);
    return this.error('network', message, err);
  }
}

function parseTarget(raw: string, method: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch (err) {
    throw new OutboundRequestError('invalid_url', method, raw, 'not a valid URL', { cause: err });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new OutboundRequestError('invalid_url', method, url.href, `only http: and https: URLs are allowed, not ${url.protocol}`);
  }
  if (url.username || url.password) throw new OutboundRequestError('invalid_url', method, url.href, 'credentials in URLs are not allowed');
  return url;
}

/** The body as a stream that errors with too_large past maxBytes; leaving the loop destroys the socket's body. */
function capped(source: Readable, maxBytes: number, hop: Hop): Readable {
  return Readable.from(
    (async function* () {
      let seen = 0;
      try {
        for await (const chunk of source as AsyncIterable<Buffer>) {
          seen += chunk.length;
          if (seen > maxBytes) throw hop.error('too_large', `body is larger than ${maxBytes} bytes`);
          yield chunk;
        }
      } catch (err) {
        throw hop.failure(err);
      }
    })(),
    { objectMode: false },
  );
}

function guardedResponse(res: Dispatcher.ResponseData, maxBytes: number, hop: Hop): GuardedResponse {
  if (hop.method !== 'HEAD' && Number(res.headers['content-length']) > maxBytes) {
    res.body.destroy();
    throw hop.error('too_large', `Content-Length ${res.headers['content-length']} is over the limit of ${maxBytes} bytes`);
  }
  let taken = false;
  const take = (): Readable => {
    if (taken) throw new Error(`${hop.method} ${hop.url}: the response body was already read`);
    taken = true;
    return capped(res.body, maxBytes, hop);
  };
  const bytes = async (): Promise<Buffer> => {
    const chunks: Buffer[] = [];
    for await (const chunk of take()) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  };
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) headers[name] = [value].flat().join(', ');
  return {
    status: res.statusCode,
    url: hop.url,
    headers,
    bytes,
    text: async () => (await bytes()).toString('utf8'),
    async json<T>() {
      const text = (await bytes()).toString('utf8');
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new InvalidJsonBody(hop.method, hop.url, headers['content-type'], text);
      }
    },
    stream: take,
    async discard() {
      if (taken) return;
      taken = true;
      // Draining a short body keeps the connection for reuse; a failure here only means the socket is gone.
      await res.body.dump().catch(() => undefined);
    },
  };
}

export class GuardedHttpClient {
  private readonly agent: Agent;
  private readonly isAllowed: (ip: string) => boolean;

  constructor(private readonly options: GuardedClientOptions) {
    this.isAllowed = options.allowPrivateNetwork ? () => true : (options.isAllowedAddress ?? ((ip) => !isBlockedAddress(ip)));
    // Host names are checked inside the socket's own lookup; undici still sets the TLS servername from the URL's host name.
    this.agent = new Agent({
      connect: { timeout: options.connectTimeoutMs ?? 5_000, lookup: guardedLookup(options.lookup ?? defaultResolver, this.isAllowed) },
    });
  }

  async request(url: string, init: GuardedRequest = {}): Promise<GuardedResponse> {
    const timeoutMs = init.timeoutMs ?? this.options.timeoutMs ?? 15_000;
    const maxRedirects = this.options.maxRedirects ?? 5;
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = init.signal ? AbortSignal.any([deadline, init.signal]) : deadline;
    let method = (init.method ?? 'GET').toUpperCase();
    let body = init.body;
    if (body instanceof Readable && init.redirect !== 'manual') {
      throw new TypeError(`${method} ${url}: a streamed request body needs redirect: 'manual'`);
    }
    const headers: Record<string, string> = { 'user-agent': this.options.userAgent };
    for (const [name, value] of Object.entries(init.headers ?? {})) headers[name.toLowerCase()] = value;
    headers['accept-encoding'] = 'identity';

    let target = parseTarget(url, method);
    // undici 7 dispatchers never follow redirects themselves, so every hop comes back here for its checks.
    for (let redirects = 0; ; redirects++) {
      const hop = new Hop(method, target, deadline, timeoutMs, init.signal);
      this.checkLiteralHost(target, hop);
      const res = await this.agent
        .request({ origin: target.origin, path: `${target.pathname}${target.search}`, method, headers, body, signal })
        .catch((err: unknown) => Promise.reject(hop.failure(err)));
      const location = res.headers.location;
      if (init.redirect === 'manual' || !REDIRECTS.has(res.statusCode) || typeof location !== 'string') {
        return guardedResponse(res, init.maxBytes ?? this.options.maxBytes ?? 10 * 1024 * 1024, hop);
      }
      await res.body.dump().catch(() => undefined);
      if (redirects >= maxRedirects) throw hop.error('too_many_redirects', `more than ${maxRedirects} redirects, starting from ${url}`);
      const next = parseTarget(location, method, target);
      if (res.statusCode <= 303 && method !== 'GET' && method !== 'HEAD') {
        method = 'GET';
        body = undefined;
        delete headers['content-type'];
        delete headers['content-length'];
      }
      if (next.origin !== target.origin) for (const name of CROSS_ORIGIN_SECRETS) delete headers[name];
      target = next;
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  /** IP literals never reach the lookup, so they are checked here, before connecting. */
  private checkLiteralHost(url: URL, hop: Hop): void {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (net.isIP(host) && !this.isAllowed(host)) throw hop.error('blocked_address', `${host} is not a public address`);
  }
}
