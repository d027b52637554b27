// Content pinned on an IPFS node through Kubo's RPC API as CIDv1 with raw leaves. SHA3-256 is verified while
// the bytes stream into `add`; the caller keeps the content hash → CID map and lends it to us as `cidFor`.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { create, type KuboRPCClient } from 'kubo-rpc-client';
import { contentHasher, isContentHash } from '../domain/content-hash.js';
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
}

const ADD_OPTIONS = { cidVersion: 1, rawLeaves: true } as const;
const TLS_CODE = /^(ERR_SSL_|ERR_TLS_|EPROTO$|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|UNABLE_TO_)/;

/** fetch() hides the socket's error code in `cause` (sometimes an AggregateError's first error). */
function networkCode(err: unknown): string | undefined {
  const cause = (err as { cause?: { code?: string; errors?: { code?: string }[] } }).cause;
  return cause?.code ?? cause?.errors?.[0]?.code;
}

function httpStatus(err: unknown): number | undefined {
  return (err as { response?: { status?: number } }).response?.status;
}

function describe(err: unknown): string {
  const e = err as Error;
  const extra = networkCode(err) ?? (httpStatus(err) ? `HTTP ${httpStatus(err)}` : undefined);
  return `${e.name}: ${e.message}${extra ? ` (${extra})` : ''}`;
}

function classify(err: unknown): DiagnosisFailure {
  const code = networkCode(err) ?? '';
  const status = httpStatus(err);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'dns';
  if (code === 'ECONNREFUSED') return 'refused';
  if ((err as Error).name === 'TimeoutError' || code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return 'timeout';
  if (TLS_CODE.test(code)) return 'tls';
  if (status === 401 || status === 403) return 'auth';
  if (status === 404 || status === 405) return 'not_found';
  return 'other';
}

/** Kubo answers 500 with this text for a CID without a recursive pin. */
function isNotPinned(err: unknown): boolean {
  return /not pinned/.test((err as Error).message);
}

export class IpfsStorageProvider implements StorageProvider {
  readonly kind = 'ipfs';
  private readonly client: KuboRPCClient;
  private readonly timeoutMs: number;

  constructor(
    private readonly settings: IpfsSettings,
    private readonly cidFor: CidLookup = async () => null,
    options: IpfsOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.client = create({ url: settings.apiUrl, headers: settings.authorization ? { authorization: settings.authorization } : undefined });
  }

  private signal(): AbortSignal {
    return AbortSignal.timeout(this.timeoutMs);
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
      const added = await this.client.add({ content: verified() }, { ...ADD_OPTIONS, pin: true });
      cid = added.cid.toString();
    } catch (err) {
      source.destroy();
      // A generator that throws makes the client abort the request, so the reason is ours to report.
      throw tooLarge ?? this.failed('add', err);
    }
    const contentHash = hasher.digest('hex');
    if (options.expectedHash && options.expectedHash !== contentHash) {
      // Kubo's pins are a set, not counts: unpin only when no verified put of these same bytes pinned them.
      if (!(await this.cidFor(contentHash))) await this.client.pin.rm(cid).catch(() => undefined);
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
      for await (const pin of this.client.pin.ls({ paths: [cid], type: 'recursive', signal: this.signal() })) if (pin.cid) return cid;
      return null;
    } catch (err) {
      if (isNotPinned(err)) return null;
      throw this.failed(`pin lookup of ${cid}`, err);
    }
  }

  async get(contentHash: string, range?: ByteRange): Promise<Readable | null> {
    const cid = await this.pinnedCid(contentHash);
    if (!cid) return null;
    const slice = range ? { offset: range.start, length: range.end - range.start + 1 } : {};
    return Readable.from(this.client.cat(cid, slice), { objectMode: false });
  }

  async stat(contentHash: string): Promise<{ size: number } | null> {
    const cid = await this.pinnedCid(contentHash);
    if (!cid) return null;
    try {
      const { size } = await this.client.files.stat(`/ipfs/${cid}`, { signal: this.signal() });
      return { size };
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
      await this.client.pin.rm(cid, { signal: this.signal() });
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
      ['api', async () => `Kubo ${(await this.client.version({ signal: this.signal() })).version} answers`],
      [
        'write',
        async () => {
          cid = (await this.client.add(probe, { ...ADD_OPTIONS, pin: true, signal: this.signal() })).cid.toString();
          return `added and pinned ${cid}`;
        },
      ],
      ['read', () => this.readProbe(cid, probe)],
      ['unpin', async () => `unpinned ${(await this.client.pin.rm(cid, { signal: this.signal() })).toString()}`],
    ];
    for (const [name, step] of steps) {
      try {
        checks.push({ name, ok: true, detail: await step() });
      } catch (err) {
        checks.push({ name, ok: false, detail: describe(err) });
        if (name === 'read') await this.client.pin.rm(cid, { signal: this.signal() }).catch(() => undefined);
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
    const chunks: Uint8Array[] = [];
    for await (const chunk of this.client.cat(cid, { signal: this.signal() })) chunks.push(chunk);
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
        return `The TLS connection to ${api} failed (${networkCode(err)}): check http versus https and the server's certificate.`;
      case 'auth':
        return `${api} refused the request (HTTP ${httpStatus(err)}): check the authorization secret.`;
      case 'not_found':
        return `${api} is not a Kubo RPC API (HTTP ${httpStatus(err)} for /api/v0): point it at the RPC port, not a gateway.`;
      default:
        return `The ${step} check against ${api} failed: ${describe(err)}.`;
    }
  }
}
