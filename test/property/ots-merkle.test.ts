// Property tests for anchoring merkle trees: every leaf's path reaches the root, and no other leaf's does.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyOp, buildMerkleTree, opsToTimestamp, parseDetached, serializeDetached, type Op } from '../../src/domain/ots/index.js';
import { configureProperties } from './fast-check-setup.js';

configureProperties();

const digest = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((a) => Buffer.from(a));
const leaves = fc.array(digest, { minLength: 1, maxLength: 70 });
const evaluate = (leaf: Buffer, ops: Op[]): Buffer => ops.reduce((msg, op) => applyOp(op, msg), leaf);

describe('merkle trees', () => {
  it('every leaf reaches the root through its path, in at most 2·ceil(log2 n) ops', () => {
    fc.assert(
      fc.property(leaves, (list) => {
        const tree = buildMerkleTree(list);
        expect(tree.leafCount).toBe(list.length);
        const bound = 2 * Math.ceil(Math.log2(list.length));
        list.forEach((leaf, i) => {
          const path = tree.path(i);
          expect(path.length).toBeLessThanOrEqual(bound);
          expect(evaluate(leaf, path).equals(tree.root)).toBe(true);
        });
      }),
      { numRuns: 150 },
    );
  });

  it('a tampered leaf (any bit flipped) does not reach the root through its path', () => {
    fc.assert(
      fc.property(
        leaves.chain((list) => fc.tuple(fc.constant(list), fc.nat({ max: list.length - 1 }), fc.nat({ max: 255 }))),
        ([list, index, bit]) => {
          const tree = buildMerkleTree(list);
          const tampered = Buffer.from(list[index]!);
          tampered[bit >> 3]! ^= 1 << (bit & 7);
          expect(evaluate(tampered, tree.path(index)).equals(tree.root)).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a different leaf value does not reach the root through another leaf's path", () => {
    fc.assert(
      fc.property(
        leaves.chain((list) => fc.tuple(fc.constant(list), fc.nat({ max: list.length - 1 }), digest)),
        ([list, index, other]) => {
          fc.pre(!other.equals(list[index]!));
          const tree = buildMerkleTree(list);
          expect(evaluate(other, tree.path(index)).equals(tree.root)).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a leaf path written as a proof file parses back and still leads to the root', () => {
    fc.assert(
      fc.property(
        leaves.chain((list) => fc.tuple(fc.constant(list), fc.nat({ max: list.length - 1 }))),
        ([list, index]) => {
          const tree = buildMerkleTree(list);
          const { root, tip } = opsToTimestamp(list[index]!, tree.path(index));
          tip.addAttestation({ kind: 'pending', uri: 'https://calendar.test' });
          const parsed = parseDetached(serializeDetached({ fileHashOp: 'sha256', timestamp: root }));
          let node = parsed.timestamp;
          while (node.ops.length > 0) node = node.ops[0]![1];
          expect(node.msg.equals(tree.root)).toBe(true);
          expect(node.attestations).toEqual([{ kind: 'pending', uri: 'https://calendar.test' }]);
        },
      ),
      { numRuns: 100 },
    );
  });
});
