// Bitcoin block merkle roots from an Esplora API (GET /block-height/{h}, then GET /block/{hash}). Esplora
// shows roots in display order, so they are byte-reversed into header order, which attestations commit to.
import type { FetchLike } from './api-client.js';
import { CliError, describeNetworkError, EXIT } from './errors.js';

export interface Block {
  height: number;
  hash: string;
  /** Header (internal) byte order. */
  merkleRoot: Buffer;
}

export interface BlockSource {
  /** The block at a height, or null when the chain has none there. */
  block(height: number): Promise<Block | null>;
}

export function esploraBlocks(baseUrl: string, fetchImpl: FetchLike = fetch): BlockSource {
  const base = baseUrl.replace(/\/+$/, '');
  async function get(path: string): Promise<Response> {
    try {
      return await fetchImpl(`${base}${path}`, { headers: { 'user-agent': 'artdag-cli' } });
    } catch (err) {
      throw new CliError(`GET ${base}${path} failed: ${describeNetworkError(err)}`, EXIT.unavailable);
    }
  }
  return {
    async block(height) {
      const hashRes = await get(`/block-height/${height}`);
      if (hashRes.status === 404) return null;
      if (!hashRes.ok) throw new CliError(`Esplora answered ${hashRes.status} for block height ${height}`);
      const hash = (await hashRes.text()).trim();
      if (!/^[0-9a-f]{64}$/.test(hash)) throw new CliError(`Esplora gave a malformed block hash for height ${height}`);
      const blockRes = await get(`/block/${hash}`);
      if (!blockRes.ok) throw new CliError(`Esplora answered ${blockRes.status} for block ${hash}`);
      const block = (await blockRes.json().catch(() => null)) as { merkle_root?: unknown } | null;
      if (typeof block?.merkle_root !== 'string' || !/^[0-9a-f]{64}$/.test(block.merkle_root)) {
        throw new CliError(`Esplora's block ${hash} has no merkle_root`);
      }
      return { height, hash, merkleRoot: Buffer.from(block.merkle_root, 'hex').reverse() };
    },
  };
}
