// The timestamp tree (messages as nodes, ops as edges, attestations as leaves) and its canonical byte codec.
import { attestationEquals, compareAttestations, readAttestation, writeAttestation, type Attestation } from './attestations.js';
import { ByteReader, ByteWriter } from './byte-stream.js';
import { OtsFormatError } from './errors.js';
import { applyOp, compareOps, hex2, MAX_MSG_LENGTH, opEquals, readOp, writeOp, type Op } from './ops.js';

/**
 * The reference refuses to read a node 256 ops below the root (`_recursion_limit=256`), so 255 is the deepest
 * op chain a file may hold; we refuse to write anything deeper, too.
 */
export const MAX_OP_DEPTH = 255;

const MORE_BRANCHES = 0xff;
const ATTESTATION_MARKER = 0x00;

export class Timestamp {
  readonly msg: Buffer;
  readonly attestations: Attestation[] = [];
  readonly ops: [Op, Timestamp][] = [];

  constructor(msg: Buffer) {
    if (msg.length > MAX_MSG_LENGTH) {
      throw new OtsFormatError(`a timestamp message is ${msg.length} bytes; the limit is ${MAX_MSG_LENGTH}`);
    }
    this.msg = Buffer.from(msg);
  }

  /** The child reached through op, created when this node has no equal op yet. */
  add(op: Op): Timestamp {
    const existing = this.ops.find(([o]) => opEquals(o, op));
    if (existing) return existing[1];
    const child = new Timestamp(applyOp(op, this.msg));
    this.ops.push([op, child]);
    return child;
  }

  /** Adds an attestation unless an equal one is there: attestations form a set, as in the reference. */
  addAttestation(attestation: Attestation): void {
    if (!this.attestations.some((a) => attestationEquals(a, attestation))) this.attestations.push(attestation);
  }

  merge(other: Timestamp): void {
    if (!other.msg.equals(this.msg)) {
      throw new RangeError(`cannot merge a timestamp for ${other.msg.toString('hex')} into one for ${this.msg.toString('hex')}`);
    }
    for (const attestation of other.attestations) this.addAttestation(attestation);
    for (const [op, stamp] of other.ops) this.add(op).merge(stamp);
  }

  allAttestations(): { msg: Buffer; attestation: Attestation }[] {
    const found: { msg: Buffer; attestation: Attestation }[] = [];
    const visit = (node: Timestamp): void => {
      for (const attestation of node.attestations) found.push({ msg: node.msg, attestation });
      for (const [, child] of node.ops) visit(child);
    };
    visit(this);
    return found;
  }
}

/** Attestations and op branches in the order the reference writes them (`sorted(...)`), duplicates dropped. */
export function canonicalAttestations(ts: Timestamp): Attestation[] {
  const sorted = [...ts.attestations].sort(compareAttestations);
  return sorted.filter((a, i) => i === 0 || !attestationEquals(sorted[i - 1]!, a));
}

export function canonicalOps(ts: Timestamp): [Op, Timestamp][] {
  return [...ts.ops].sort(([a], [b]) => compareOps(a, b));
}

export function serializeTimestamp(ts: Timestamp): Buffer {
  const writer = new ByteWriter();
  writeTimestamp(writer, ts, 0);
  return writer.toBuffer();
}

export function writeTimestamp(writer: ByteWriter, ts: Timestamp, depth: number): void {
  if (depth > MAX_OP_DEPTH) {
    throw new OtsFormatError(`timestamp is deeper than ${MAX_OP_DEPTH} ops; the reference could not read it back`);
  }
  const attestations = canonicalAttestations(ts);
  const ops = canonicalOps(ts);
  if (attestations.length === 0 && ops.length === 0) {
    throw new OtsFormatError(`the timestamp node for ${ts.msg.toString('hex')} has neither attestations nor ops`);
  }
  // Every branch but the last is prefixed with 0xff; the last one ends the node.
  const branches = attestations.length + ops.length;
  let written = 0;
  for (const attestation of attestations) {
    if (++written < branches) writer.writeByte(MORE_BRANCHES);
    writer.writeByte(ATTESTATION_MARKER);
    writeAttestation(writer, attestation);
  }
  for (const [op, child] of ops) {
    if (++written < branches) writer.writeByte(MORE_BRANCHES);
    if (!applyOp(op, ts.msg).equals(child.msg)) {
      throw new OtsFormatError(`the child of ${ts.msg.toString('hex')} through ${op.kind} holds the wrong message`);
    }
    writeOp(writer, op);
    writeTimestamp(writer, child, depth + 1);
  }
}

/** Parses a bare timestamp for msg (what calendars return), refusing trailing bytes. */
export function parseTimestamp(bytes: Buffer, msg: Buffer): Timestamp {
  const reader = new ByteReader(bytes);
  const ts = readTimestamp(reader, msg, 0);
  if (!reader.atEnd()) throw new OtsFormatError('unexpected bytes after the end of the timestamp', reader.offset);
  return ts;
}

export function readTimestamp(reader: ByteReader, msg: Buffer, depth: number): Timestamp {
  if (depth > MAX_OP_DEPTH) {
    throw new OtsFormatError(`timestamp is nested more than ${MAX_OP_DEPTH} ops deep`, reader.offset);
  }
  const ts = new Timestamp(msg);
  for (;;) {
    const tagOffset = reader.offset;
    const first = reader.readByte('an op tag, an attestation or 0xff');
    const more = first === MORE_BRANCHES;
    const tag = more ? reader.readByte('an op tag or attestation after 0xff') : first;
    readBranch(reader, ts, tag, more ? tagOffset + 1 : tagOffset, depth);
    if (!more) return ts;
  }
}

function readBranch(reader: ByteReader, ts: Timestamp, tag: number, tagOffset: number, depth: number): void {
  if (tag === ATTESTATION_MARKER) {
    ts.addAttestation(readAttestation(reader));
    return;
  }
  const op = readOp(reader, tag, tagOffset);
  let result: Buffer;
  try {
    result = applyOp(op, ts.msg);
  } catch (error) {
    if (!(error instanceof OtsFormatError)) throw error;
    throw new OtsFormatError(`op 0x${hex2(tag)} cannot apply to this message: ${error.message}`, tagOffset);
  }
  const child = readTimestamp(reader, result, depth + 1);
  // A repeated op replaces the earlier subtree in place, exactly like the reference's `self.ops[op] = stamp`.
  const index = ts.ops.findIndex(([o]) => opEquals(o, op));
  if (index === -1) ts.ops.push([op, child]);
  else ts.ops[index] = [op, child];
}
