// Content pinned on an IPFS node through Kubo's RPC API as CIDv1 with raw leaves. SHA3-256 is verified while
// the bytes stream into `add`; the caller keeps the content hash → CID map and lends it to us as `cidFor`.
// Every call goes through the guarded HTTP client (see kubo-rpc-client.ts), never Node's own fetch.
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { GuardedHttpClient, OutboundRequestError } from '../clients/guarded-fetch.js';
import { contentHasher, isContentHash } from '../domain/content-hash.js';
import { cleanText, KuboRpcClient, KuboRpcError } from './kubo-rpc-client.js';
import {
  ContentHashMismatch,
  ContentTooLarge,
  type ByteRange,
  type Diagnosis,
  type DiagnosisFailure,
  type PutOptions,
  type StorageProvider,
  type StoredObject,
} from './storage-provider.js';

export interface IpfsSettings {
  apiUrl: string;
  /** Sent as the Authorization header, for RPC APIs behind a proxy that wants one. */
  authorization?: string;
}

/** The CID stored for a content hash on this provider, or null. */
export type CidLookup = (contentHash: string) => Promise<string | null>;

export interface IpfsOptions {
  /** For calls whose work does not grow with the content (pin lookups, unpin, stat, version). */
  timeoutMs?: number;
  /**
   * The connection guard. StorageService always passes the storage guard's client for the API URL; without one
   * (tests against a loopback node) any address is allowed, though redirects are still refused.
   */
  http?: GuardedHttpClient;
}

let unguarded: GuardedHttpClient | undefined;

function describe(err: unknown): string {
  if (err instanceof KuboRpcError || err instanceof OutboundRequestError) return cleanText(err.message, 400);
  const e = err as Error;
  return cleanText(`${e.name}: ${e.message}`, 400);
}

function classify(err: unknown): DiagnosisFailure {
  if (err instanceof OutboundRequestError) {
    if (err.kind === 'dns' || err.kind === 'refused' || err.kind === 'timeout' || err.kind === 'tls') return err.kind;
    return 'other';
  }
  if (err instanceof KuboRpcError) {
    if (err.status === 401 || err.status === 403) return 'auth';
    if (err.status === 404 || err.status === 405) return 'not_found';
  }
  return 'other';
}

function httpStatus(err: unknown): number | undefined {
  return err instanceof KuboRpcError ? err.status : undefined;
}

/** Kubo answers 500 with this message for a CID without a recursive pin. */
function isNotPinned(err: unknown): boolean {
  return err instanceof KuboRpcError && /not pinned/.test(err.kuboMessage);
}

export class IpfsStorageProvider implements StorageProvider {
  readonly kind = 'ipfs';
  private readonly client: KuboRpcClient;
  private readonly timeoutMs: number;

  constructor(
    private readonly settings: IpfsSettings,
    private readonly cidFor: CidLookup = async () => null,
    options: IpfsOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    const http = options.http ?? (unguarded ??= new GuardedHttpClient({ allowPrivateNetwork: true, userAgent: 'artdag-l2' }));
    this.client = new KuboRpcClient(settings.apiUrl.replace(/\/+$/, ''), http, {
      authorization: settings.authorization,
      timeoutMs: this.timeoutMs,
    });
  }

  private failed(operation: string, err: unknown): Error {
    return new Error(`IPFS ${operation} via ${this.settings.apiUrl} failed: ${describe(err)}`, { cause: err });
  }

  async put(source: Readable, options: PutOptions): Promise<StoredObject> {
    const hasher = contentHasher();
    let size = 0;
    let tooLarge: ContentTooLarge | undefined;
    // Chunks go to Kubo as they arrive; memory holds one chunk, not the content.
    async function* verified(): AsyncGenerator<Buffer> {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (options.maxBytes !== undefined && size > options.maxBytes) throw (tooLarge = new ContentTooLarge(options.maxBytes));
        hasher.update(chunk);
        yield chunk;
      }
    }
    let cid: string;
    try {
      // Pinned as it is added (a separate pin pass walks the whole DAG again: 0.42 of a bare add, measured).
      cid = await this.client.add(verified());
    } catch (err) {
      source.destroy();
      // A generator that throws aborts the upload, so Kubo never sees the closing boundary and pins nothing.
      throw tooLarge ?? this.failed('add', err);
    }
    const contentHash = hasher.digest('hex');
    if (options.expectedHash && options.expectedHash !== contentHash) {
      // Kubo's pins are a set, not counts: unpin only when no verified put of these same bytes pinned them.
      if (!(await this.cidFor(contentHash))) await this.client.unpin(cid).catch(() => undefined);
      throw new ContentHashMismatch(options.expectedHash, contentHash);
    }
    return { contentHash, size, location: `ipfs://${cid}`, cid };
  }

  /** The CID for a content hash when this node has it pinned; unpinned blocks count as removed. */
  private async pinnedCid(contentHash: string): Promise<string | null> {
    if (!isContentHash(contentHash)) throw new TypeError(`not a content hash: ${contentHash}`);
    const cid = await this.cidFor(contentHash);
    if (!cid) return null;
    try {
      return (await this.client.isPinned(cid)) ? cid : null;
    } catch (err) {
      if (isNotPinned(err)) return null;
      throw this.failed(`pin lookup of ${cid}`, err);
    }
  }

  async get(contentHash: string, range?: ByteRange): Promise<Readable | null> {
    const cid = await this.pinnedCid(contentHash);
    if (!cid) return null;
    const slice = range ? { offset: range.start, length: range.end - range.start + 1 } : {};
    try {
      return await this.client.cat(cid, slice);
    } catch (err) {
      throw this.failed(`cat of ${cid}`, err);
    }
  }

  async stat(contentHash: string): Promise<{ size: number } | null> {
    const cid = await this.pinnedCid(contentHash);
    if (!cid) return null;
    try {
      return { size: await this.client.size(cid) };
    } catch (err) {
      throw this.failed(`stat of ${cid}`, err);
    }
  }

  async has(contentHash: string): Promise<boolean> {
    return (await this.pinnedCid(contentHash)) !== null;
  }

  async remove(contentHash: string): Promise<void> {
    if (!isContentHash(contentHash)) throw new TypeError(`not a content hash: ${contentHash}`);
    const cid = await this.cidFor(contentHash);
    if (!cid) return;
    try {
      await this.client.unpin(cid);
    } catch (err) {
      if (!isNotPinned(err)) throw this.failed(`unpin of ${cid}`, err);
    }
  }

  async test(): Promise<Diagnosis> {
    const checks: Diagnosis['checks'] = [];
    // Unique bytes, so unpinning the probe can never drop somebody else's pin.
    const probe = Buffer.from(`Art DAG storage probe ${new Date().toISOString()} ${randomBytes(16).toString('hex')}`);
    let cid = '';
    const steps: [string, () => Promise<string>][] = [
      ['api', async () => `Kubo ${await this.client.version()} answers`],
      [
        'write',
        async () => {
          cid = await this.client.add(probe, this.timeoutMs);
          return `added and pinned ${cid}`;
        },
      ],
      ['read', () => this.readProbe(cid, probe)],
      ['unpin', async () => `unpinned ${await this.client.unpin(cid)}`],
    ];
    for (const [name, step] of steps) {
      try {
        checks.push({ name, ok: true, detail: await step() });
      } catch (err) {
        checks.push({ name, ok: false, detail: describe(err) });
        if (name === 'read') await this.client.unpin(cid).catch(() => undefined);
        const failure = classify(err);
        return { ok: false, failure, message: this.advice(failure, name, err), checks };
      }
    }
    return {
      ok: true,
      message: `The IPFS node at ${this.settings.apiUrl} works: a probe was added, pinned, read back and unpinned.`,
      checks,
    };
  }

  private async readProbe(cid: string, expected: Buffer): Promise<string> {
    const chunks: Buffer[] = [];
    // Only as many bytes as the probe has: a node answering more is wrong, and is not read into memory.
    for await (const chunk of await this.client.cat(cid, { offset: 0, length: expected.length + 1 }, this.timeoutMs))
      chunks.push(chunk as Buffer);
    if (!Buffer.concat(chunks).equals(expected)) throw new Error(`${cid} read back differs from the bytes added`);
    return `read ${cid} back intact`;
  }

  private advice(failure: DiagnosisFailure, step: string, err: unknown): string {
    const api = this.settings.apiUrl;
    switch (failure) {
      case 'dns':
        return `The host name of ${api} does not resolve: check the API URL.`;
      case 'refused':
        return `Nothing accepts connections at ${api}: check the host and port (Kubo's RPC API listens on 5001 by default) and that the daemon runs.`;
      case 'timeout':
        return `${api} did not answer within ${this.timeoutMs} ms: check the URL, firewalls, and the node's health.`;
      case 'tls':
        return `The TLS connection to ${api} failed: check http versus https and the server's certificate.`;
      case 'auth':
        return `${api} refused the request (HTTP ${httpStatus(err)}): check the authorization secret.`;
      case 'not_found':
        return `${api} is not a Kubo RPC API (HTTP ${httpStatus(err)} for /api/v0): point it at the RPC port, not a gateway.`;
      default:
        if (err instanceof OutboundRequestError && err.kind === 'blocked_address') {
          return `${api} leads to a private or reserved address, which this server will not connect to; an operator can allow an internal node with STORAGE_PRIVATE_HOSTS.`;
        }
        return `The ${step} check against ${api} failed: ${describe(err)}.`;
    }
  }
}
