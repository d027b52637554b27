// Where content bytes live. Every provider verifies SHA3-256 while bytes stream in and keeps memory bounded.
import type { Readable } from 'node:stream';
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
  location: string;
  cid?: string;
}

export interface StorageProvider {
  readonly kind: string;
  put(source: Readable, options: PutOptions): Promise<StoredObject>;
  get(contentHash: string): Promise<Readable | null>;
  has(contentHash: string): Promise<boolean>;
  remove(contentHash: string): Promise<void>;
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
