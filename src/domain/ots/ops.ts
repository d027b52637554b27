// OpenTimestamps operations: the edges of a timestamp tree, applied with the reference implementation's limits.
import { hash } from 'node:crypto';
import type { ByteReader, ByteWriter } from './byte-stream.js';
import { OtsFormatError } from './errors.js';
import { keccak256 } from './keccak.js';

export type HashOpKind = 'sha256' | 'sha1' | 'ripemd160' | 'keccak256';

export type Op =
  | { kind: 'sha256' }
  | { kind: 'sha1' }
  | { kind: 'ripemd160' }
  | { kind: 'keccak256' }
  | { kind: 'reverse' }
  | { kind: 'hexlify' }
  | { kind: 'append'; arg: Buffer }
  | { kind: 'prepend'; arg: Buffer };

/** Longest message an op accepts and longest result it may produce (python-opentimestamps `Op.MAX_*_LENGTH`). */
export const MAX_MSG_LENGTH = 4096;
export const MAX_RESULT_LENGTH = 4096;
/** Append/prepend arguments are 1..4096 bytes, as in the reference's `BinaryOp`. */
export const MAX_OP_ARG_LENGTH = 4096;
/** Hexlify doubles its input, so its input is capped at half the result limit. */
const MAX_HEXLIFY_MSG_LENGTH = MAX_RESULT_LENGTH / 2;

// Tag numbers are the reference's (the hash ones come from RFC 4880).
export const OP_TAGS: Record<Op['kind'], number> = {
  sha1: 0x02,
  ripemd160: 0x03,
  sha256: 0x08,
  keccak256: 0x67,
  append: 0xf0,
  prepend: 0xf1,
  reverse: 0xf2,
  hexlify: 0xf3,
};

const KIND_BY_TAG = new Map(Object.entries(OP_TAGS).map(([kind, tag]) => [tag, kind as Op['kind']]));

export function opKindForTag(tag: number): Op['kind'] | undefined {
  return KIND_BY_TAG.get(tag);
}

export const DIGEST_LENGTHS: Record<HashOpKind, number> = { sha1: 20, ripemd160: 20, sha256: 32, keccak256: 32 };

export function isHashOp(kind: Op['kind']): kind is HashOpKind {
  return kind in DIGEST_LENGTHS;
}

export function applyOp(op: Op, msg: Buffer): Buffer {
  const limit = op.kind === 'hexlify' ? MAX_HEXLIFY_MSG_LENGTH : MAX_MSG_LENGTH;
  if (msg.length > limit) {
    throw new OtsFormatError(`${op.kind} cannot take a ${msg.length}-byte message; the limit is ${limit}`);
  }
  const result = evaluate(op, msg);
  if (result.length > MAX_RESULT_LENGTH) {
    throw new OtsFormatError(`${op.kind} would produce ${result.length} bytes; the limit is ${MAX_RESULT_LENGTH}`);
  }
  return result;
}

function evaluate(op: Op, msg: Buffer): Buffer {
  switch (op.kind) {
    case 'sha256':
    case 'sha1':
    case 'ripemd160':
      return hash(op.kind, msg, 'buffer');
    case 'keccak256':
      return keccak256(msg);
    case 'append':
      checkArg(op.kind, op.arg);
      return Buffer.concat([msg, op.arg]);
    case 'prepend':
      checkArg(op.kind, op.arg);
      return Buffer.concat([op.arg, msg]);
    case 'reverse':
      // An empty result would let the commitment graph contain a cycle, so the reference refuses it.
      if (msg.length === 0) throw new OtsFormatError('reverse cannot take an empty message');
      return Buffer.from(msg).reverse();
    case 'hexlify':
      if (msg.length === 0) throw new OtsFormatError('hexlify cannot take an empty message');
      return Buffer.from(msg.toString('hex'), 'latin1');
  }
}

function checkArg(kind: string, arg: Buffer): void {
  if (arg.length === 0 || arg.length > MAX_OP_ARG_LENGTH) {
    throw new OtsFormatError(`${kind} argument is ${arg.length} bytes; it must be 1 to ${MAX_OP_ARG_LENGTH}`);
  }
}

export function opEquals(a: Op, b: Op): boolean {
  return compareOps(a, b) === 0;
}

/** The reference's `Op.__lt__`: by tag byte, then by argument bytes (lexicographic, a prefix sorts first). */
export function compareOps(a: Op, b: Op): number {
  const byTag = OP_TAGS[a.kind] - OP_TAGS[b.kind];
  if (byTag !== 0) return byTag;
  return 'arg' in a && 'arg' in b ? Buffer.compare(a.arg, b.arg) : 0;
}

/** The op as `ots info` prints it: "sha256", "append 0a1b…" (the whole argument in hex). */
export function describeOp(op: Op): string {
  return 'arg' in op ? `${op.kind} ${op.arg.toString('hex')}` : op.kind;
}

export function writeOp(writer: ByteWriter, op: Op): void {
  writer.writeByte(OP_TAGS[op.kind]);
  if ('arg' in op) {
    checkArg(op.kind, op.arg);
    writer.writeVarbytes(op.arg);
  }
}

/** Reads the op whose tag byte (at tagOffset) has already been consumed. */
export function readOp(reader: ByteReader, tag: number, tagOffset: number): Op {
  const kind = KIND_BY_TAG.get(tag);
  if (kind === undefined) throw new OtsFormatError(`unknown operation tag 0x${hex2(tag)}`, tagOffset);
  if (kind === 'append' || kind === 'prepend') {
    return { kind, arg: reader.readVarbytes(MAX_OP_ARG_LENGTH, 1, `the ${kind} argument`) };
  }
  return { kind };
}

export function hex2(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}
