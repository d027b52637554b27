// Content in an S3 (or S3-compatible) bucket under `${prefix}${hash[0..2]}/${hash}`. Bytes stream into a
// temporary key while being hashed and reach their final key only by a server-side copy once verified.
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import type https from 'node:https';
import { Readable, pipeline } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { isContentHash } from '../domain/content-hash.js';
import { AppError } from '../domain/errors.js';
import {
  ContentMeter,
  type ByteRange,
  type Diagnosis,
  type DiagnosisFailure,
  type PutOptions,
  type StorageProvider,
  type StoredObject,
} from './storage-provider.js';

export interface S3Settings {
  endpoint?: string;
  region: string;
  bucket: string;
  prefix?: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle?: boolean;
}

export interface S3Options {
  /** Agents for the SDK's connections, e.g. ones whose lookup refuses private addresses. */
  httpAgent?: http.Agent;
  httpsAgent?: https.Agent;
  connectionTimeoutMs?: number;
  /** A socket with no traffic for this long fails the request; large transfers are fine while bytes move. */
  idleTimeoutMs?: number;
  /** Each step of test() gives up after this long, so a hung endpoint is reported quickly. */
  testStepTimeoutMs?: number;
  /** Larger objects are copied to their final key in parts (CopyObject's own limit is 5 GiB). */
  maxSingleCopyBytes?: number;
  copyPartBytes?: number;
}

type S3Error = Error & { Code?: string; code?: string; $metadata?: { httpStatusCode?: number } };

// Memory per upload stays near PART_SIZE * QUEUE_SIZE whatever the object's size.
const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 3;
const AUTH_CODE =
  /^(InvalidAccessKeyId|SignatureDoesNotMatch|InvalidToken|ExpiredToken|AuthorizationHeaderMalformed|RequestTimeTooSkewed)$/;
const TLS_CODE = /^(ERR_SSL_|ERR_TLS_|EPROTO$|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|UNABLE_TO_)/;

const STEP_ACTIONS: Record<string, string> = {
  bucket: 'list objects',
  write: 'write objects',
  read: 'read objects',
  delete: 'delete objects',
};

function codeOf(err: unknown): string {
  const e = err as S3Error;
  return e.code ?? e.Code ?? e.name ?? '';
}

function statusOf(err: unknown): number | undefined {
  return (err as S3Error).$metadata?.httpStatusCode;
}

function describe(err: unknown): string {
  const status = statusOf(err);
  return `${codeOf(err)}${status ? ` (HTTP ${status})` : ''}: ${(err as Error).message}`;
}

function isNotFound(err: unknown): boolean {
  return statusOf(err) === 404 || ['NotFound', 'NoSuchKey'].includes(codeOf(err));
}

function classify(err: unknown, step: string): DiagnosisFailure {
  const code = codeOf(err);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'dns';
  if (code === 'ECONNREFUSED') return 'refused';
  const e = err as Error;
  if (
    code === 'ETIMEDOUT' ||
    e.name === 'TimeoutError' ||
    (e.name === 'AbortError' && (e.cause as Error | undefined)?.name === 'TimeoutError')
  ) {
    return 'timeout';
  }
  if (TLS_CODE.test(code)) return 'tls';
  if (AUTH_CODE.test(code)) return 'auth';
  if (code === 'NoSuchBucket' || (step === 'bucket' && statusOf(err) === 404)) return 'bucket_missing';
  if (code === 'AccessDenied' || statusOf(err) === 403) return 'permission';
  return 'other';
}

export class S3StorageProvider implements StorageProvider {
  readonly kind = 's3';
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(
    private readonly settings: S3Settings,
    private readonly options: S3Options = {},
  ) {
    this.bucket = settings.bucket;
    this.prefix = settings.prefix ?? '';
    this.client = new S3Client({
      endpoint: settings.endpoint,
      region: settings.region,
      forcePathStyle: settings.forcePathStyle,
      credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
      requestHandler: {
        httpAgent: options.httpAgent,
        httpsAgent: options.httpsAgent,
        connectionTimeout: options.connectionTimeoutMs ?? 5_000,
        socketTimeout: options.idleTimeoutMs ?? 60_000,
      },
    });
  }

  private keyOf(contentHash: string): string {
    if (!isContentHash(contentHash)) throw new TypeError(`not a content hash: ${contentHash}`);
    return `${this.prefix}${contentHash.slice(0, 2)}/${contentHash}`;
  }

  private failed(operation: string, key: string, err: unknown): Error {
    return new Error(`S3 ${operation} of s3://${this.bucket}/${key} failed: ${describe(err)}`, { cause: err });
  }

  async put(source: Readable, options: PutOptions): Promise<StoredObject> {
    if (options.expectedHash) return await this.putKnown(source, options.expectedHash, options);
    const tmpKey = `${this.prefix}tmp/${randomBytes(12).toString('hex')}`;
    const meter = new ContentMeter({ maxBytes: options.maxBytes });
    // The upload reads from `meter`; pipeline forwards a source error to it and destroys the source on failure.
    pipeline(source, meter, () => undefined);
    try {
      await this.upload(tmpKey, meter, options.mediaType);
      const contentHash = meter.contentHash();
      const size = meter.bytes;
      const key = this.keyOf(contentHash);
      // Same key, same bytes: an object already there (from an earlier or concurrent put) is this content.
      if ((await this.stat(contentHash))?.size !== size) await this.copy(tmpKey, key, size, options.mediaType);
      return { contentHash, size, location: `s3://${this.bucket}/${key}` };
    } catch (err) {
      meter.destroy();
      throw err instanceof AppError ? err : this.failed('put', tmpKey, err);
    } finally {
      // Best effort: a temporary object that outlives a failed delete is garbage under tmp/, never content
      // at a final key; a lifecycle rule on the tmp/ prefix can expire it.
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: tmpKey })).catch(() => undefined);
    }
  }

  private async copy(from: string, to: string, size: number, mediaType: string | undefined): Promise<void> {
    const CopySource = `${this.bucket}/${from}`.split('/').map(encodeURIComponent).join('/');
    // A server-side copy sends nothing back until it is done, so copying at most 1 GiB per request keeps each
    // one well inside the idle timeout on slow S3-compatible services.
    const maxSingle = this.options.maxSingleCopyBytes ?? 1024 ** 3;
    if (size <= maxSingle) {
      await this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key: to, CopySource }));
      return;
    }
    const partBytes = Math.max(this.options.copyPartBytes ?? 256 * 1024 ** 2, Math.ceil(size / 10_000));
    const { UploadId } = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: to, ContentType: mediaType }));
    try {
      const Parts = [];
      for (let start = 0, PartNumber = 1; start < size; start += partBytes, PartNumber++) {
        const CopySourceRange = `bytes=${start}-${Math.min(start + partBytes, size) - 1}`;
        const part = await this.client.send(
          new UploadPartCopyCommand({ Bucket: this.bucket, Key: to, UploadId, PartNumber, CopySource, CopySourceRange }),
        );
        Parts.push({ PartNumber, ETag: part.CopyPartResult?.ETag });
      }
      await this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: to, UploadId, MultipartUpload: { Parts } }));
    } catch (err) {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: to, UploadId })).catch(() => undefined);
      throw err;
    }
  }

  /**
   * With the hash known in advance the bytes go straight to their final key: the hash is checked when the
   * source ends, before the upload can complete, so a mismatch aborts it and nothing appears at that key.
   * Half the work of the temporary-key-and-copy path, which remains for puts whose hash is not known.
   */
  private async putKnown(source: Readable, expected: string, options: PutOptions): Promise<StoredObject> {
    const key = this.keyOf(expected);
    const existing = await this.stat(expected);
    if (existing) {
      source.destroy();
      return { contentHash: expected, size: existing.size, location: `s3://${this.bucket}/${key}` };
    }
    const meter = new ContentMeter({ maxBytes: options.maxBytes, expectedHash: expected });
    let failure: unknown;
    pipeline(source, meter, (err) => (failure ??= err));
    try {
      await this.upload(key, meter, options.mediaType);
      if (failure) {
        // Should the store have completed before the check failed, the wrong bytes must not stay.
        await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })).catch(() => undefined);
        throw failure;
      }
      return { contentHash: expected, size: meter.bytes, location: `s3://${this.bucket}/${key}` };
    } catch (err) {
      meter.destroy();
      const reason = failure instanceof AppError ? failure : err;
      throw reason instanceof AppError ? reason : this.failed('put', key, reason);
    }
  }

  /** A multipart upload of a stream to `key`, a bounded number of parts in memory at a time. */
  private async upload(key: string, body: Readable, mediaType: string | undefined): Promise<void> {
    await new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: body, ContentType: mediaType },
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
      leavePartsOnError: false,
    }).done();
  }

  async get(contentHash: string, range?: ByteRange): Promise<Readable | null> {
    const key = this.keyOf(contentHash);
    try {
      const Range = range ? `bytes=${range.start}-${range.end}` : undefined;
      const { Body } = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range }));
      if (!(Body instanceof Readable)) throw new Error('the SDK returned no stream');
      return Body;
    } catch (err) {
      if (isNotFound(err)) return null;
      throw this.failed('get', key, err);
    }
  }

  async stat(contentHash: string): Promise<{ size: number } | null> {
    const key = this.keyOf(contentHash);
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: head.ContentLength ?? 0 };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw this.failed('stat', key, err);
    }
  }

  async has(contentHash: string): Promise<boolean> {
    return (await this.stat(contentHash)) !== null;
  }

  async remove(contentHash: string): Promise<void> {
    const key = this.keyOf(contentHash);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (err) {
      throw this.failed('delete', key, err);
    }
  }

  async test(): Promise<Diagnosis> {
    const checks: Diagnosis['checks'] = [];
    const Bucket = this.bucket;
    const Key = `${this.prefix}tmp/probe-${randomBytes(8).toString('hex')}`;
    const probe = `Art DAG storage probe ${new Date().toISOString()}`;
    const timeout = () => ({ abortSignal: AbortSignal.timeout(this.options.testStepTimeoutMs ?? 10_000) });
    const steps: [string, string, () => Promise<unknown>][] = [
      ['bucket', `bucket ${Bucket} exists and answers`, () => this.headBucket(timeout)],
      ['write', `wrote ${Key}`, () => this.client.send(new PutObjectCommand({ Bucket, Key, Body: probe }), timeout())],
      ['read', `read ${Key} back intact`, () => this.readProbe(Key, probe, timeout())],
      ['delete', `deleted ${Key}`, () => this.client.send(new DeleteObjectCommand({ Bucket, Key }), timeout())],
    ];
    for (const [name, detail, step] of steps) {
      try {
        await step();
        checks.push({ name, ok: true, detail });
      } catch (err) {
        checks.push({ name, ok: false, detail: describe(err) });
        if (name === 'read') await this.client.send(new DeleteObjectCommand({ Bucket, Key })).catch(() => undefined);
        const failure = classify(err, name);
        return { ok: false, failure, message: this.advice(failure, name, err), checks };
      }
    }
    return { ok: true, message: `Bucket ${Bucket} works: a probe object was written, read back and deleted.`, checks };
  }

  /** HeadBucket answers 403 without a body; ListObjectsV2 needs the same permission and says which 403 it is. */
  private async headBucket(timeout: () => { abortSignal: AbortSignal }): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }), timeout());
    } catch (err) {
      if (statusOf(err) !== 403) throw err;
      await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, MaxKeys: 1 }), timeout());
      throw err;
    }
  }

  private async readProbe(Key: string, expected: string, timeout: { abortSignal: AbortSignal }): Promise<void> {
    const { Body } = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }), timeout);
    if ((await Body?.transformToString()) !== expected) throw new Error('the object read back differs from the one written');
  }

  private advice(failure: DiagnosisFailure, step: string, err: unknown): string {
    const where = this.settings.endpoint ?? `AWS S3 (${this.settings.region})`;
    switch (failure) {
      case 'dns':
        return `The host name of ${where} does not resolve: check the endpoint URL.`;
      case 'refused':
        return `Nothing accepts connections at ${where}: check the endpoint's host and port and that the service is running.`;
      case 'timeout':
        return `${where} did not answer in time: check the endpoint, firewalls between us, and the service's health.`;
      case 'tls':
        return `The TLS connection to ${where} failed (${codeOf(err)}): check http versus https in the endpoint and the server's certificate.`;
      case 'auth':
        return `${where} rejected the credentials (${codeOf(err)}): check the access key ID, the secret access key and the region.`;
      case 'bucket_missing':
        return `There is no bucket ${this.bucket} at ${where}: create it or correct the bucket name.`;
      case 'permission':
        return `The credentials are valid but may not ${STEP_ACTIONS[step] ?? step} in bucket ${this.bucket} (${codeOf(err)}): allow s3:ListBucket, s3:GetObject, s3:PutObject and s3:DeleteObject.`;
      default:
        return `The ${step} check against ${where} failed: ${describe(err)}.`;
    }
  }
}
