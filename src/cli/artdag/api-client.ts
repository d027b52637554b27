// HTTP to L2: JSON in and out, the saved token as a Bearer header, and L2's error bodies turned into errors
// that say what the server said (`{error: {code, message}}`, or OAuth's `{error, error_description}`).
import { ApiError, CliError, describeNetworkError, EXIT } from './errors.js';

export type FetchLike = typeof fetch;

export interface SendOptions {
  json?: unknown;
  body?: RequestInit['body'];
  headers?: Record<string, string>;
  accept?: string;
  /** Send the saved token (default true when there is one). */
  auth?: boolean;
}

export interface JsonReply<T> {
  status: number;
  body: T;
}

const USER_AGENT = 'artdag-cli';

export class ApiClient {
  constructor(
    readonly server: string,
    readonly token: string | undefined,
    private readonly fetchImpl: FetchLike = fetch,
  ) {}

  /** An absolute URL for a path on the server (status URLs come back as paths). */
  url(pathOrUrl: string): string {
    return new URL(pathOrUrl, this.server).toString();
  }

  withToken(token: string): ApiClient {
    return new ApiClient(this.server, token, this.fetchImpl);
  }

  /** The raw response, whatever its status; a network failure becomes a CliError naming the URL. */
  async send(method: string, path: string, options: SendOptions = {}): Promise<Response> {
    const url = this.url(path);
    const headers: Record<string, string> = { accept: options.accept ?? 'application/json', 'user-agent': USER_AGENT, ...options.headers };
    let body = options.body;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    if (this.token && options.auth !== false) headers.authorization = `Bearer ${this.token}`;
    const init: RequestInit & { duplex?: 'half' } = { method, headers, body, redirect: 'manual' };
    if (body instanceof ReadableStream) {
      // Node's fetch needs half-duplex for a streamed body. Any redirect mode but "error" makes it clone the
      // request, teeing the body into a branch nobody reads, which buffers the whole upload in memory
      // (nodejs/undici#4058); a streamed body could not be replayed on a redirect anyway.
      init.duplex = 'half';
      init.redirect = 'error';
    }
    try {
      return await this.fetchImpl(url, init);
    } catch (err) {
      throw new CliError(`${method} ${url} failed: ${describeNetworkError(err)}`, EXIT.unavailable);
    }
  }

  /** A JSON reply with a 2xx status; anything else throws the server's error. */
  async json<T>(method: string, path: string, options: SendOptions = {}): Promise<JsonReply<T>> {
    const res = await this.send(method, path, options);
    if (!res.ok) throw await errorFrom(res);
    return { status: res.status, body: (await readJson(res)) as T };
  }

  /** The exact bytes of a 2xx reply. */
  async bytes(path: string, accept: string): Promise<Buffer> {
    const res = await this.send('GET', path, { accept });
    if (!res.ok) throw await errorFrom(res);
    return Buffer.from(await res.arrayBuffer());
  }
}

/** The body as JSON, or null when it is empty or not JSON. */
export async function readJson(res: Response): Promise<unknown> {
  const text = await res.text();
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** The error code in an L2 error (`{error: {code}}`) or an OAuth error (`{error: "code"}`). */
export function errorCodeOf(body: unknown): string | undefined {
  const error = (body as { error?: unknown } | null)?.error;
  if (typeof error === 'string') return error;
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function errorMessageOf(body: unknown): string | undefined {
  const record = body as { error?: unknown; error_description?: unknown } | null;
  if (typeof record?.error_description === 'string') return record.error_description;
  const message = (record?.error as { message?: unknown } | undefined)?.message;
  if (typeof message === 'string') return message;
  return typeof record?.error === 'string' ? record.error : undefined;
}

/** An ApiError carrying the server's own words, or its status line when the body is not an error document. */
export async function errorFrom(res: Response, body?: unknown): Promise<ApiError> {
  const parsed = body === undefined ? await readJson(res) : body;
  const message = errorMessageOf(parsed) ?? `${res.url || 'the server'} answered ${res.status} ${res.statusText}`.trim();
  const error = (parsed as { error?: { details?: unknown; request_id?: unknown } } | null)?.error;
  const extra = typeof error === 'object' && error !== null ? error : {};
  return new ApiError(message, res.status, errorCodeOf(parsed), {
    details: extra.details,
    requestId: typeof extra.request_id === 'string' ? extra.request_id : undefined,
  });
}
