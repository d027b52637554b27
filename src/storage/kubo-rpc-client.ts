// The few Kubo RPC calls the IPFS provider makes, over the guarded HTTP client: every connection resolves and
// checks its address inside connect, redirects are never followed (Kubo's RPC never sends one), and nothing a
// remote server says reaches an error message beyond its status and a short, cleaned `Message`.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { GuardedHttpClient, GuardedResponse } from '../clients/guarded-fetch.js';

export interface KuboRpcOptions {
  /** Sent as the Authorization header, for RPC APIs behind a proxy that wants one. */
  authorization?: string;
  /** For calls whose work does not grow with the content. */
  timeoutMs: number;
}

/** Streams of content (add, cat) may take long; a stall is still cut by undici's 5-minute idle timeouts. */
const TRANSFER_TIMEOUT_MS = 24 * 3600_000;
const ANSWER_LIMIT_BYTES = 1024 * 1024;
const ERROR_LIMIT_BYTES = 64 * 1024;
const CID = /^[A-Za-z0-9]{1,128}$/;

/** Printable text only, whitespace collapsed, at most `max` characters: for anything a remote server chose. */
export function cleanText(text: string, max: number): string {
  const clean = text
    // eslint-disable-next-line no-control-regex -- removing control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/** Kubo refused or answered something that is not a Kubo answer; `message` never holds a response body. */
export class KuboRpcError extends Error {
  constructor(
    readonly command: string,
    readonly status: number,
    reason: string,
    /** Kubo's own `Message`, cleaned and cut to 200 characters. */
    readonly kuboMessage = '',
  ) {
    super(`Kubo RPC ${command}: ${reason}${kuboMessage ? `: ${kuboMessage}` : ''}`);
    this.name = 'KuboRpcError';
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function cidIn(value: unknown, command: string): string {
  if (typeof value !== 'string' || !CID.test(value)) throw new KuboRpcError(command, 200, 'the answer holds no valid CID');
  return value;
}

export class KuboRpcClient {
  constructor(
    private readonly apiUrl: string,
    private readonly http: GuardedHttpClient,
    private readonly options: KuboRpcOptions,
  ) {}

  async version(): Promise<string> {
    const answer = await this.json('version', {});
    const version = answer.Version;
    return typeof version === 'string' && /^[\w.+-]{1,40}$/.test(version) ? version : 'of an unknown version';
  }

  /** Adds one file (CIDv1, raw leaves) and pins it; the body streams from `content`, which may be gigabytes. */
  async add(content: AsyncIterable<Uint8Array> | Uint8Array, timeoutMs = TRANSFER_TIMEOUT_MS): Promise<string> {
    const boundary = `artdag-${randomBytes(16).toString('hex')}`;
    const body = Readable.from(
      (async function* () {
        yield Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="content"\r\n` +
            `Content-Type: application/octet-stream\r\n\r\n`,
        );
        if (content instanceof Uint8Array) yield content;
        else yield* content;
        yield Buffer.from(`\r\n--${boundary}--\r\n`);
      })(),
      { objectMode: false },
    );
    const query = { 'cid-version': '1', 'raw-leaves': 'true', pin: 'true', progress: 'false', 'stream-channels': 'true' };
    const res = await this.send('add', query, { body, timeoutMs, contentType: `multipart/form-data; boundary=${boundary}` });
    // One JSON object per line; the file's is the last that names a hash.
    let hash: unknown;
    for (const line of (await res.text()).split('\n')) {
      if (!line.trim()) continue;
      const entry = this.parse('add', line);
      if (entry.Type === 'error') throw this.kuboError('add', 500, entry);
      if (entry.Hash !== undefined) hash = entry.Hash;
    }
    return cidIn(hash, 'add');
  }

  /** The bytes of a CID (or `length` bytes from `offset`) as a stream; a failure before the first byte rejects. */
  async cat(cid: string, slice: { offset?: number; length?: number } = {}, timeoutMs = TRANSFER_TIMEOUT_MS): Promise<Readable> {
    const query: Record<string, string> = { arg: cidIn(cid, 'cat') };
    if (slice.offset !== undefined) query.offset = String(slice.offset);
    if (slice.length !== undefined) query.length = String(slice.length);
    const res = await this.send('cat', query, { timeoutMs, maxBytes: slice.length ?? Number.MAX_SAFE_INTEGER });
    return res.stream();
  }

  /** True when the CID has a recursive pin; Kubo answers "not pinned" as an error, which the caller interprets. */
  async isPinned(cid: string): Promise<boolean> {
    const answer = await this.json('pin/ls', { arg: cidIn(cid, 'pin/ls'), type: 'recursive' });
    return isObject(answer.Keys) && Object.keys(answer.Keys).length > 0;
  }

  async unpin(cid: string): Promise<string> {
    const answer = await this.json('pin/rm', { arg: cidIn(cid, 'pin/rm') });
    return Array.isArray(answer.Pins) && answer.Pins.length > 0 ? cidIn(answer.Pins[0], 'pin/rm') : cid;
  }

  async size(cid: string): Promise<number> {
    const answer = await this.json('files/stat', { arg: `/ipfs/${cidIn(cid, 'files/stat')}` });
    if (typeof answer.Size !== 'number' || !Number.isSafeInteger(answer.Size) || answer.Size < 0) {
      throw new KuboRpcError('files/stat', 200, 'the answer holds no size');
    }
    return answer.Size;
  }

  private async json(command: string, query: Record<string, string>): Promise<Record<string, unknown>> {
    const res = await this.send(command, query, { timeoutMs: this.options.timeoutMs });
    return this.parse(command, await res.text());
  }

  private async send(
    command: string,
    query: Record<string, string>,
    request: { timeoutMs: number; body?: Readable; contentType?: string; maxBytes?: number },
  ): Promise<GuardedResponse> {
    const headers: Record<string, string> = {};
    if (this.options.authorization) headers.authorization = this.options.authorization;
    if (request.contentType) headers['content-type'] = request.contentType;
    const res = await this.http.request(`${this.apiUrl}/api/v0/${command}?${new URLSearchParams(query).toString()}`, {
      method: 'POST',
      headers,
      body: request.body,
      redirect: 'manual',
      timeoutMs: request.timeoutMs,
      maxBytes: request.maxBytes ?? ANSWER_LIMIT_BYTES,
    });
    if (res.status >= 200 && res.status < 300) return res;
    if (res.status >= 300 && res.status < 400) {
      await res.discard();
      throw new KuboRpcError(command, res.status, `answered HTTP ${res.status}, a redirect, which is never followed`);
    }
    throw this.kuboError(command, res.status, await this.errorBody(res));
  }

  /** Kubo's error JSON ({Message, Code, Type}) when that is what came back; other bodies are dropped unread. */
  private async errorBody(res: GuardedResponse): Promise<unknown> {
    if (!/json/i.test(res.headers['content-type'] ?? '')) {
      await res.discard();
      return undefined;
    }
    const chunks: Buffer[] = [];
    let seen = 0;
    const stream = res.stream();
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        chunks.push(chunk);
        seen += chunk.length;
        if (seen >= ERROR_LIMIT_BYTES) break;
      }
      return JSON.parse(Buffer.concat(chunks).subarray(0, ERROR_LIMIT_BYTES).toString('utf8')) as unknown;
    } catch {
      return undefined;
    } finally {
      stream.destroy();
    }
  }

  private kuboError(command: string, status: number, body: unknown): KuboRpcError {
    const message = isObject(body) && typeof body.Message === 'string' ? cleanText(body.Message, 200) : '';
    return new KuboRpcError(command, status, `answered HTTP ${status}`, message);
  }

  private parse(command: string, text: string): Record<string, unknown> {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
    if (!isObject(value)) throw new KuboRpcError(command, 200, 'the answer is not a Kubo JSON object');
    return value;
  }
}
