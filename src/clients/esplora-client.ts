// Bitcoin block headers for proof verification. HeaderSource is the interface (a bitcoind RPC source could
// implement it too); Esplora shows merkle roots in display order, so they are byte-reversed here.
import type { GuardedHttpClient } from './guarded-fetch.js';

export interface BlockHeader {
  height: number;
  hash: string;
  /** The merkle root as it is in the header, i.e. the value a Bitcoin attestation commits to. */
  merkleRoot: Buffer;
  time: Date;
}

export interface HeaderSource {
  /** The header at a height, or null if the chain is not that long (yet). */
  header(height: number): Promise<BlockHeader | null>;
}

export class HeaderSourceError extends Error {}

export class EsploraHeaderSource implements HeaderSource {
  constructor(
    private readonly http: GuardedHttpClient,
    private readonly baseUrl: string,
  ) {}

  async header(height: number): Promise<BlockHeader | null> {
    const hashRes = await this.http.request(`${this.baseUrl}/block-height/${height}`, { maxBytes: 1024 });
    if (hashRes.status === 404) {
      await hashRes.discard();
      return null;
    }
    if (hashRes.status !== 200) {
      await hashRes.discard();
      throw new HeaderSourceError(`Esplora answered ${hashRes.status} for block height ${height}`);
    }
    const hash = (await hashRes.text()).trim();
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new HeaderSourceError(`Esplora gave a malformed block hash for height ${height}`);
    const blockRes = await this.http.request(`${this.baseUrl}/block/${hash}`, { maxBytes: 64 * 1024 });
    if (blockRes.status !== 200) {
      await blockRes.discard();
      throw new HeaderSourceError(`Esplora answered ${blockRes.status} for block ${hash}`);
    }
    const block = (await blockRes.json()) as { height?: unknown; merkle_root?: unknown; timestamp?: unknown };
    if (
      block.height !== height ||
      typeof block.merkle_root !== 'string' ||
      !/^[0-9a-f]{64}$/.test(block.merkle_root) ||
      typeof block.timestamp !== 'number'
    ) {
      throw new HeaderSourceError(`Esplora's block ${hash} is malformed`);
    }
    return { height, hash, merkleRoot: Buffer.from(block.merkle_root, 'hex').reverse(), time: new Date(block.timestamp * 1000) };
  }
}
