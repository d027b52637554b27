// Where content bytes live. Every provider verifies SHA3-256 while bytes stream in and keeps memory bounded.
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { contentHasher } from '../domain/content-hash.js';
import { AppError } from '../domain/errors.js';

export interface PutOptions {
  /** The hash the bytes must have; a mismatch stores nothing and fails with ContentHashMismatch. */
  expectedHash?: string;
  maxBytes?: number;
  mediaType?: string;
}

export interface StoredObject {
  contentHash: string;
  size: number;
  /** Where the provider keeps it (path, s3://bucket/key, ipfs://cid). */
  location: string;
  /** IPFS CID (CIDv1, raw leaves) when the provider is IPFS. */
  cid?: string;
}

/** Inclusive byte range, as in HTTP Range. */
export interface ByteRange {
  start: number;
  end: number;
}

export type DiagnosisFailure = 'dns' | 'refused' | 'timeout' | 'tls' | 'auth' | 'bucket_missing' | 'permission' | 'not_found' | 'other';

export interface Diagnosis {
  ok: boolean;
  /** What failed, in a word a UI can switch on. */
  failure?: DiagnosisFailure;
  /** One sentence a person can act on. */
  message: string;
  checks: { name: string; ok: boolean; detail: string }[];
}

export interface StorageProvider {
  readonly kind: 'local' | 's3' | 'ipfs';
  put(source: Readable, options: PutOptions): Promise<StoredObject>;
  /** The bytes (or a range of them), or null when this provider does not have the content. */
  get(contentHash: string, range?: ByteRange): Promise<Readable | null>;
  /** Size in bytes, or null when absent. */
  stat(contentHash: string): Promise<{ size: number } | null>;
  has(contentHash: string): Promise<boolean>;
  /** Deletes (S3, local) or unpins (IPFS); absent content is not an error. */
  remove(contentHash: string): Promise<void>;
  /** A real round trip to the backend that says exactly what is wrong. */
  test(): Promise<Diagnosis>;
}

export class ContentHashMismatch extends AppError {
  constructor(expected: string, actual: string) {
    super(422, 'content_hash_mismatch', `The bytes received hash to ${actual}, not the expected ${expected}; nothing was stored.`, {
      expected,
      actual,
    });
  }
}

export class ContentTooLarge extends AppError {
  constructor(limit: number) {
    super(413, 'content_too_large', `The content is larger than the limit of ${limit} bytes; nothing was stored.`, { limit_bytes: limit });
  }
}

/**
 * The pass-through every streamed put runs its bytes through: counts and hashes them, refuses more than
 * `maxBytes`, and with `expectedHash` fails at the end of the stream (before whatever reads it can complete) when
 * the bytes hash to something else.
 */
export class ContentMeter extends Transform {
  /** Bytes passed so far (not `size`: the S3 SDK reads a body's `size` as its length). */
  bytes = 0;
  private readonly hasher = contentHasher();
  private digest: string | null = null;

  constructor(private readonly limits: { maxBytes?: number; expectedHash?: string }) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    const { maxBytes } = this.limits;
    if (maxBytes !== undefined && this.bytes > maxBytes) return done(new ContentTooLarge(maxBytes));
    this.hasher.update(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    const { expectedHash } = this.limits;
    const actual = this.contentHash();
    done(expectedHash === undefined || actual === expectedHash ? null : new ContentHashMismatch(expectedHash, actual));
  }

  /** The SHA3-256 (hex) of every byte that passed; call it once the stream has ended. */
  contentHash(): string {
    return (this.digest ??= this.hasher.digest('hex'));
  }
}
