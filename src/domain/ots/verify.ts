// Walking a timestamp tree: every attestation with the message it attests and the ops that lead to it.
import type { Attestation } from './attestations.js';
import type { Op } from './ops.js';
import { canonicalAttestations, canonicalOps, Timestamp } from './timestamp.js';

export interface AttestedMessage {
  msg: Buffer;
  attestation: Attestation;
  /** The ops from the root message to msg. */
  ops: Op[];
}

/** Every attestation in the tree, in the order the file stores them (depth first, canonical order per node). */
export function attestedMessages(ts: Timestamp): AttestedMessage[] {
  const found: AttestedMessage[] = [];
  const visit = (node: Timestamp, ops: Op[]): void => {
    for (const attestation of canonicalAttestations(node)) found.push({ msg: node.msg, attestation, ops });
    for (const [op, child] of canonicalOps(node)) visit(child, [...ops, op]);
  };
  visit(ts, []);
  return found;
}

/** A linear chain of ops from msg; attach attestations to `tip`, or merge a calendar's timestamp into it. */
export function opsToTimestamp(msg: Buffer, ops: Op[]): { root: Timestamp; tip: Timestamp } {
  const root = new Timestamp(msg);
  let tip = root;
  for (const op of ops) tip = tip.add(op);
  return { root, tip };
}
