// Bitcoin block headers from an Esplora API: GET /block-height/{h} names the block, GET /block/{hash}/header gives
// its 80 bytes. The header must double-SHA-256 to that hash, so a header for another block is refused; its
// merkle root (bytes 36..68, header order) is what a Bitcoin attestation commits to, and bytes 68..72 its time.
import { createHash } from 'node:crypto';
import type { FetchLike } from './api-client.js';
import { CliError, describeNetworkError, EXIT } from './errors.js';

export interface Block {
  height: number;
  /** Display order hex, as explorers show it. */
  hash: string;
  /** Header (internal) byte order. */
  merkleRoot: Buffer;
  time: Date;
}

export interface BlockSource {
  /** The block at a height, or null when the chain has none there. */
  block(height: number): Promise<Block | null>;
}

const HEADER_BYTES = 80;
const HASH = /^[0-9a-f]{64}$/;

/** Reads an 80-byte header (hex), checking that it is the header of the block `hash`. */
export function parseBlockHeader(height: number, hash: string, hex: string): Block {
  const header = /^[0-9a-f]*$/i.test(hex) ? Buffer.from(hex, 'hex') : Buffer.alloc(0);
  if (header.length !== HEADER_BYTES) {
    throw new CliError(`Esplora's header for block ${height} is not ${HEADER_BYTES} bytes of hex`);
  }
  const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest();
  const actual = Buffer.from(sha256(sha256(header)))
    .reverse()
    .toString('hex');
  if (actual !== hash) throw new CliError(`Esplora's header for block ${height} hashes to ${actual}, not to the block hash ${hash}`);
  return {
    height,
    hash,
    merkleRoot: Buffer.from(header.subarray(36, 68)),
    time: new Date(header.readUInt32LE(68) * 1000),
  };
}

export function esploraBlocks(baseUrl: string, fetchImpl: FetchLike = fetch): BlockSource {
  const base = baseUrl.replace(/\/+$/, '');
  async function text(path: string): Promise<string | null> {
    let res: Response;
    try {
      res = await fetchImpl(`${base}${path}`, { headers: { 'user-agent': 'artdag-cli' } });
    } catch (err) {
      throw new CliError(`GET ${base}${path} failed: ${describeNetworkError(err)}`, EXIT.unavailable);
    }
    if (res.status === 404) return null;
    if (!res.ok) {
      throw new CliError(
        `Esplora answered ${res.status} for ${path}`,
        res.status >= 500 || res.status === 429 ? EXIT.unavailable : EXIT.failure,
      );
    }
    return (await res.text()).trim();
  }
  return {
    async block(height) {
      const hash = await text(`/block-height/${height}`);
      if (hash === null) return null;
      if (!HASH.test(hash)) throw new CliError(`Esplora gave a malformed block hash for height ${height}`);
      const header = await text(`/block/${hash}/header`);
      if (header === null) throw new CliError(`Esplora named block ${hash} for height ${height} but has no header for it`);
      return parseBlockHeader(height, hash, header);
    },
  };
}
