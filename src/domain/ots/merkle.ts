// Merkle trees over 32-byte digests as OTS ops, built like python-opentimestamps' `make_merkle_tree(cat_sha256)`.
import { hash } from 'node:crypto';
import type { Op } from './ops.js';

const NODE = 32;

export interface MerkleTree {
  root: Buffer;
  leafCount: number;
  /** The ops that take leaf `index` to the root. */
  path(index: number): Op[];
}

/**
 * Each level is one Buffer of 32-byte nodes, so a million leaves cost a few flat allocations rather than
 * millions of objects; parent = sha256(left || right), and an odd last node is carried up unchanged.
 */
export function buildMerkleTree(leaves: Buffer[]): MerkleTree {
  if (leaves.length === 0) throw new RangeError('a merkle tree needs at least one leaf');
  const first = Buffer.allocUnsafe(leaves.length * NODE);
  leaves.forEach((leaf, i) => {
    if (leaf.length !== NODE) throw new RangeError(`leaf ${i} is ${leaf.length} bytes; leaves must be 32-byte digests`);
    leaf.copy(first, i * NODE);
  });
  const levels = [first];
  for (let level = first, count = leaves.length; count > 1; count = (count + 1) >> 1) {
    const next = Buffer.allocUnsafe(((count + 1) >> 1) * NODE);
    const pairs = count >> 1;
    for (let i = 0; i < pairs; i++) {
      // crypto.hash (one-shot) rather than createHash: it skips the Hash object and runs ~1.5x faster here.
      next.set(hash('sha256', level.subarray(i * 2 * NODE, (i + 1) * 2 * NODE), 'buffer'), i * NODE);
    }
    if (count & 1) level.copy(next, pairs * NODE, (count - 1) * NODE, count * NODE);
    levels.push(next);
    level = next;
  }
  const top = levels[levels.length - 1]!;
  const leafCount = leaves.length;
  return {
    root: Buffer.from(top.subarray(0, NODE)),
    leafCount,
    path(index: number): Op[] {
      if (!Number.isInteger(index) || index < 0 || index >= leafCount) {
        throw new RangeError(`leaf index ${index} is outside 0..${leafCount - 1}`);
      }
      const ops: Op[] = [];
      let i = index;
      for (let depth = 0; depth < levels.length - 1; depth++, i >>= 1) {
        const level = levels[depth]!;
        const count = level.length / NODE;
        if (i % 2 === 1) {
          ops.push({ kind: 'prepend', arg: nodeAt(level, i - 1) }, { kind: 'sha256' });
        } else if (i + 1 < count) {
          ops.push({ kind: 'append', arg: nodeAt(level, i + 1) }, { kind: 'sha256' });
        }
      }
      return ops;
    },
  };
}

function nodeAt(level: Buffer, index: number): Buffer {
  return Buffer.from(level.subarray(index * NODE, (index + 1) * NODE));
}
