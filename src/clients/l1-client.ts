// Talks to L1 servers (docs/l1-contract.md). Answers that will not improve with a retry become AppErrors;
// outages (timeouts, refused connections, 429, 5xx) become L1Unavailable, which callers retry.
import { pipeline, Transform, type Readable } from 'node:stream';
import { z } from 'zod';
import type { KeyObject } from 'node:crypto';
import { parseContentHash } from '../domain/content-hash.js';
import { signRequest } from '../federation/http-signatures.js';
import { BadGateway, NotFound } from '../domain/errors.js';
import { ContentTooLarge } from '../storage/storage-provider.js';
import { InvalidJsonBody, OutboundRequestError, type GuardedHttpClient, type GuardedResponse } from './guarded-fetch.js';

export class L1Unavailable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'L1Unavailable';
  }
}

const hash = z.string().transform((value, ctx) => {
  const parsed = parseContentHash(value);
  if (!parsed) ctx.addIssue({ code: 'custom', message: 'is not a SHA3-256 content hash' });
  return parsed ?? z.NEVER;
});

const runSchema = z.looseObject({
  run_id: z.string(),
  status: z.string(),
  recipe: z.string().nullish(),
  recipe_cid: z.string().nullish(),
  inputs: z.array(hash).default([]),
  output_hash: hash,
  output_cid: z.string().nullish(),
  username: z.string().nullish(),
  completed_at: z.string().nullish(),
});

export type L1Run = z.output<typeof runSchema>;

export interface L1Content {
  body: Readable;
  mediaType: string | null;
  size: number | null;
}

const RUN_MAX_BYTES = 1024 * 1024;

export class L1Client {
  constructor(
    private readonly http: GuardedHttpClient,
    private readonly idleTimeoutMs = 60_000,
  ) {}

  async run(l1: string, runId: string, token: string): Promise<L1Run> {
    const url = `${l1}/runs/${encodeURIComponent(runId)}`;
    const res = await this.get(url, token, { maxBytes: RUN_MAX_BYTES, accept: 'application/json' });
    if (res.status === 404) {
      await res.discard();
      throw new NotFound(`L1 ${l1} has no run "${runId}".`, 'run_not_found');
    }
    await this.refuseErrors(res, url);
    let body: unknown;
    try {
      body = await res.json();
    } catch (err) {
      if (err instanceof InvalidJsonBody) throw new BadGateway(`L1 ${l1} answered the run with something that is not JSON: ${err.message}`);
      throw this.classify(err, url);
    }
    const parsed = runSchema.safeParse(body);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'} ${i.message}`).join('; ');
      throw new BadGateway(`L1 ${l1} answered run "${runId}" with a malformed document: ${problems}.`, { issues: problems });
    }
    return parsed.data;
  }

  /**
   * Tells an L1 to drop a token (`revoke`) or every session of a user (`revoke-user`). Signed with an HTTP
   * Signature by the instance's key so the L1 can check it comes from this L2. 2xx and 404 (nothing to
   * drop) are done; other 4xx are refusals that will not change; anything else is an outage (retry).
   */
  async notify(
    l1: string,
    kind: 'revoke' | 'revoke-user',
    body: Record<string, unknown>,
    key: { keyId: string; privateKey: KeyObject },
  ): Promise<'done' | 'refused'> {
    const url = `${l1}/auth/${kind}`;
    const payload = JSON.stringify(body);
    const headers = signRequest(
      { method: 'POST', url, headers: { 'content-type': 'application/json', accept: 'application/json' }, body: payload },
      key,
    );
    let res: GuardedResponse;
    try {
      res = await this.http.request(url, { method: 'POST', headers, body: payload, maxBytes: 64 * 1024 });
    } catch (err) {
      throw this.classify(err, url);
    }
    await res.discard();
    if ((res.status >= 200 && res.status < 300) || res.status === 404) return 'done';
    if (res.status === 408 || res.status === 429 || res.status >= 500) throw new L1Unavailable(`POST ${url} answered ${res.status}`);
    return 'refused';
  }

  /** Opens the body of a cache item as a stream that fails if the L1 stalls or sends more than maxBytes. */
  async content(l1: string, contentHash: string, token: string, maxBytes: number): Promise<L1Content> {
    const url = `${l1}/cache/${contentHash}`;
    let res: GuardedResponse;
    // The whole download may take hours, but an L1 that sends no answer at all is stalled like one that stops
    // sending bytes: the idle timeout covers the wait for the response head too.
    const stalled = new AbortController();
    const timer = setTimeout(
      () => stalled.abort(new L1Unavailable(`GET ${url}: no answer for ${this.idleTimeoutMs} ms`)),
      this.idleTimeoutMs,
    );
    try {
      res = await this.get(url, token, { maxBytes, accept: '*/*', timeoutMs: 24 * 3600_000, signal: stalled.signal });
    } catch (err) {
      if (err instanceof BadGateway && err.code === 'l1_answer_too_large') throw new ContentTooLarge(maxBytes);
      throw err;
    } finally {
      clearTimeout(timer);
    }
    if (res.status === 404) {
      await res.discard();
      throw new NotFound(`L1 ${l1} has no cached item ${contentHash}.`, 'content_not_found');
    }
    await this.refuseErrors(res, url);
    const declared = res.headers['content-length'] ? Number(res.headers['content-length']) : null;
    if (declared !== null && declared > maxBytes) {
      await res.discard();
      throw new ContentTooLarge(maxBytes);
    }
    const body = this.idleWatchdog(url, maxBytes);
    // pipeline (not pipe) so a failure of the response stream reaches whoever reads `body`.
    pipeline(res.stream(), body, () => undefined);
    const mediaType = res.headers['content-type']?.split(';')[0]?.trim() || null;
    return { body, mediaType, size: declared };
  }

  private async get(
    url: string,
    token: string,
    options: { maxBytes: number; accept: string; timeoutMs?: number; signal?: AbortSignal },
  ): Promise<GuardedResponse> {
    try {
      return await this.http.request(url, {
        headers: { authorization: `Bearer ${token}`, accept: options.accept },
        maxBytes: options.maxBytes,
        timeoutMs: options.timeoutMs,
        signal: options.signal,
      });
    } catch (err) {
      throw this.classify(err, url);
    }
  }

  private async refuseErrors(res: GuardedResponse, url: string): Promise<void> {
    if (res.status >= 200 && res.status < 300) return;
    await res.discard();
    if (res.status === 408 || res.status === 429 || res.status >= 500) throw new L1Unavailable(`GET ${url} answered ${res.status}`);
    if (res.status === 401 || res.status === 403)
      throw new BadGateway(`The L1 refused L2's credentials (HTTP ${res.status}) for GET ${url}.`);
    throw new BadGateway(`GET ${url} answered ${res.status}.`);
  }

  private classify(err: unknown, url: string): Error {
    if (err instanceof OutboundRequestError) {
      if (err.kind === 'too_large')
        return new BadGateway(`GET ${url}: the answer is larger than L2 accepts.`, undefined, 'l1_answer_too_large');
      if (err.kind === 'blocked_address' || err.kind === 'invalid_url') return new BadGateway(err.message);
      return new L1Unavailable(err.message, { cause: err });
    }
    return err instanceof Error ? err : new Error(String(err));
  }

  /** Fails the stream when no bytes arrive for idleTimeoutMs, so a stalled L1 is retried rather than waited on forever. */
  private idleWatchdog(url: string, maxBytes: number): Transform {
    let timer: NodeJS.Timeout | undefined;
    const idle = this.idleTimeoutMs;
    const watchdog: Transform = new Transform({
      transform(chunk: Buffer, _enc, done) {
        arm();
        done(null, chunk);
      },
      flush(done) {
        clearTimeout(timer);
        done();
      },
      destroy(err, done) {
        clearTimeout(timer);
        // Errors of the response stream arrive here; give them the same meaning as errors before the body.
        if (err instanceof OutboundRequestError && err.kind === 'too_large') done(new ContentTooLarge(maxBytes));
        else if (err instanceof OutboundRequestError) done(new L1Unavailable(err.message, { cause: err }));
        else done(err);
      },
    });
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => watchdog.destroy(new L1Unavailable(`GET ${url}: no data for ${idle} ms`)), idle);
    };
    arm();
    return watchdog;
  }
}
