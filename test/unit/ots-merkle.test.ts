import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { applyOp, buildMerkleTree, describeOp, type Op } from '../../src/domain/ots/index.js';
import { seededRandom } from '../oracle/sample-proofs.js';

const leafFor = (i: number): Buffer => createHash('sha256').update(`leaf ${i}`).digest();
const sha256 = (...parts: Buffer[]): Buffer => createHash('sha256').update(Buffer.concat(parts)).digest();
const evaluate = (leaf: Buffer, ops: Op[]): Buffer => ops.reduce((msg, op) => applyOp(op, msg), leaf);

describe('buildMerkleTree', () => {
  it('makes a single leaf its own root with an empty path', () => {
    const tree = buildMerkleTree([leafFor(0)]);
    expect(tree.root.equals(leafFor(0))).toBe(true);
    expect(tree.leafCount).toBe(1);
    expect(tree.path(0)).toEqual([]);
  });

  it('hashes left || right and carries an odd last node up unchanged', () => {
    const [a, b, c] = [leafFor(0), leafFor(1), leafFor(2)];
    const tree = buildMerkleTree([a, b, c]);
    expect(tree.root.equals(sha256(sha256(a, b), c))).toBe(true);
    expect(tree.path(0).map(describeOp)).toEqual([`append ${b.toString('hex')}`, 'sha256', `append ${c.toString('hex')}`, 'sha256']);
    expect(tree.path(1).map(describeOp)).toEqual([`prepend ${a.toString('hex')}`, 'sha256', `append ${c.toString('hex')}`, 'sha256']);
    expect(tree.path(2).map(describeOp)).toEqual([`prepend ${sha256(a, b).toString('hex')}`, 'sha256']);
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8, 9])('takes every one of %i leaves to the root', (count) => {
    const leaves = Array.from({ length: count }, (_, i) => leafFor(i));
    const tree = buildMerkleTree(leaves);
    leaves.forEach((leaf, i) => expect(evaluate(leaf, tree.path(i)).equals(tree.root), `leaf ${i}`).toBe(true));
  });

  it('builds 100,000 leaves and sampled paths reach the root', () => {
    const leaves = Array.from({ length: 100_000 }, (_, i) => leafFor(i));
    const tree = buildMerkleTree(leaves);
    const random = seededRandom(42);
    const sample = [0, 1, 99_998, 99_999, ...Array.from({ length: 60 }, () => Math.floor(random() * 100_000))];
    for (const i of sample) {
      const path = tree.path(i);
      expect(path.length).toBeLessThanOrEqual(2 * 17);
      expect(evaluate(leaves[i]!, path).equals(tree.root), `leaf ${i}`).toBe(true);
    }
  });

  it('copies leaves, so changing the input later leaves the tree alone', () => {
    const leaves = [leafFor(0), leafFor(1)];
    const tree = buildMerkleTree(leaves);
    leaves[1]!.fill(0);
    expect(evaluate(leafFor(0), tree.path(0)).equals(tree.root)).toBe(true);
  });

  it('refuses no leaves, leaves that are not 32 bytes and indexes outside the tree', () => {
    expect(() => buildMerkleTree([])).toThrow(RangeError);
    expect(() => buildMerkleTree([leafFor(0), Buffer.alloc(20)])).toThrow(/leaf 1 is 20 bytes/);
    const tree = buildMerkleTree([leafFor(0), leafFor(1)]);
    for (const bad of [-1, 2, 0.5]) expect(() => tree.path(bad)).toThrow(RangeError);
  });
});
