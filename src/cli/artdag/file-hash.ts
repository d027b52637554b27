// SHA3-256 of a local file, read as a stream so memory stays constant whatever the file's size.
import fs from 'node:fs';
import { contentHasher } from '../../domain/content-hash.js';

export interface FileHash {
  /** Bare lower-case hex, as L2 stores content hashes. */
  hash: string;
  size: number;
}

export async function hashFile(path: string, onBytes: (bytes: number) => void = () => undefined): Promise<FileHash> {
  const hasher = contentHasher();
  let size = 0;
  for await (const chunk of fs.createReadStream(path)) {
    const bytes = chunk as Buffer;
    hasher.update(bytes);
    size += bytes.length;
    onBytes(bytes.length);
  }
  return { hash: hasher.digest('hex'), size };
}
