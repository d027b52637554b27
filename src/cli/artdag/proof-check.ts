// Checks an activity's OpenTimestamps proof locally with our own OTS code: the proof must commit to sha256 of
// the exact activity bytes; each attestation is reported, and Bitcoin ones are checked against real blocks
// when a block source is given.
import { createHash } from 'node:crypto';
import { attestedMessages, parseDetached } from '../../domain/ots/index.js';
import type { BlockSource } from './esplora.js';

export type AttestationReport =
  | { kind: 'pending'; calendar: string }
  | {
      kind: 'bitcoin';
      height: number;
      /** The merkle root the proof commits to, in display order as explorers show it. */
      merkle_root: string;
      /** Against the block source: match, mismatch, no such block, or not checked. */
      check: 'match' | 'mismatch' | 'no-block' | 'unchecked';
      block_hash?: string;
      /** The block's time from its header, ISO 8601, when it matches. */
      block_time?: string;
    }
  | { kind: 'unknown'; tag: string };

export interface ProofReport {
  /** sha256 of the activity bytes, hex. */
  digest: string;
  outcome: 'confirmed' | 'pending' | 'invalid';
  attestations: AttestationReport[];
  problems: string[];
}

export async function checkProof(activity: Buffer, ots: Buffer, blocks?: BlockSource): Promise<ProofReport> {
  const digest = createHash('sha256').update(activity).digest();
  const report: ProofReport = { digest: digest.toString('hex'), outcome: 'invalid', attestations: [], problems: [] };
  let file;
  try {
    file = parseDetached(ots);
  } catch (err) {
    report.problems.push(`the proof cannot be read: ${(err as Error).message}`);
    return report;
  }
  if (file.fileHashOp !== 'sha256') {
    report.problems.push(`the proof hashes the file with ${file.fileHashOp}; L2 proofs use sha256`);
    return report;
  }
  if (!file.timestamp.msg.equals(digest)) {
    report.problems.push(`the proof is for sha256 ${file.timestamp.msg.toString('hex')}, not for these activity bytes`);
    return report;
  }
  for (const { msg, attestation } of attestedMessages(file.timestamp)) {
    if (attestation.kind === 'pending') report.attestations.push({ kind: 'pending', calendar: attestation.uri });
    else if (attestation.kind === 'unknown') report.attestations.push({ kind: 'unknown', tag: attestation.tag.toString('hex') });
    else report.attestations.push(await checkBitcoin(msg, attestation.height, blocks, report.problems));
  }
  const bitcoin = report.attestations.filter((a) => a.kind === 'bitcoin');
  if (report.problems.length > 0) report.outcome = 'invalid';
  else if (bitcoin.length > 0) report.outcome = 'confirmed';
  else if (report.attestations.some((a) => a.kind === 'pending')) report.outcome = 'pending';
  else report.problems.push('the proof has no Bitcoin or pending attestation');
  return report;
}

async function checkBitcoin(msg: Buffer, height: number, blocks: BlockSource | undefined, problems: string[]): Promise<AttestationReport> {
  const merkleRoot = Buffer.from(msg).reverse().toString('hex');
  const base = { kind: 'bitcoin' as const, height, merkle_root: merkleRoot };
  if (msg.length !== 32) {
    problems.push(`the attestation for block ${height} commits to ${msg.length} bytes, not a 32-byte merkle root`);
    return { ...base, check: 'mismatch' };
  }
  if (!blocks) return { ...base, check: 'unchecked' };
  const block = await blocks.block(height);
  if (!block) {
    problems.push(`there is no block at height ${height} on the chain`);
    return { ...base, check: 'no-block' };
  }
  if (!block.merkleRoot.equals(msg)) {
    problems.push(`block ${height} (${block.hash}) has a different merkle root than the proof commits to`);
    return { ...base, check: 'mismatch', block_hash: block.hash };
  }
  return { ...base, check: 'match', block_hash: block.hash, block_time: block.time.toISOString() };
}
