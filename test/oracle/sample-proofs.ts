// Proof trees described as plain data, so the same tree can be built by our module and by the python reference.
import { createHash } from 'node:crypto';
import { ByteWriter } from '../../src/domain/ots/byte-stream.js';
import {
  buildMerkleTree,
  keccak256,
  OP_TAGS,
  serializeDetached,
  Timestamp,
  writeAttestation,
  type Attestation,
  type DetachedTimestampFile,
  type HashOpKind,
  type Op,
} from '../../src/domain/ots/index.js';

export type OpSpec = { kind: Op['kind']; arg?: string };
export type AttestationSpec =
  { kind: 'pending'; uri: string } | { kind: 'bitcoin'; height: number } | { kind: 'unknown'; tag: string; payload: string };
export interface NodeSpec {
  attestations?: AttestationSpec[];
  ops?: [OpSpec, NodeSpec][];
}
export interface FileSpec {
  name: string;
  fileHashOp: HashOpKind;
  digest: string;
  tree: NodeSpec;
}

export const LITECOIN_TAG = '06869a0d73d71b45';

export function opFromSpec(spec: OpSpec): Op {
  if (spec.kind === 'append' || spec.kind === 'prepend') return { kind: spec.kind, arg: Buffer.from(spec.arg ?? '', 'hex') };
  return { kind: spec.kind };
}

export function opToSpec(op: Op): OpSpec {
  return 'arg' in op ? { kind: op.kind, arg: op.arg.toString('hex') } : { kind: op.kind };
}

function attestationFromSpec(spec: AttestationSpec): Attestation {
  if (spec.kind === 'unknown') return { kind: 'unknown', tag: Buffer.from(spec.tag, 'hex'), payload: Buffer.from(spec.payload, 'hex') };
  return spec;
}

/** Builds the tree in the spec's insertion order, attestations via push like calling code does. */
export function fillFromSpec(node: Timestamp, spec: NodeSpec): Timestamp {
  for (const attestation of spec.attestations ?? []) node.attestations.push(attestationFromSpec(attestation));
  for (const [op, child] of spec.ops ?? []) fillFromSpec(node.add(opFromSpec(op)), child);
  return node;
}

export function fileFromSpec(spec: FileSpec): DetachedTimestampFile {
  return { fileHashOp: spec.fileHashOp, timestamp: fillFromSpec(new Timestamp(Buffer.from(spec.digest, 'hex')), spec.tree) };
}

export function fileBytes(spec: FileSpec): Buffer {
  return serializeDetached(fileFromSpec(spec));
}

/** Tag and payload as the file stores them, the form the python oracle reports attestations in. */
export function attestationHex(attestation: Attestation): string {
  const writer = new ByteWriter();
  writeAttestation(writer, attestation);
  return writer.toBuffer().toString('hex');
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const pending = (uri: string): AttestationSpec => ({ kind: 'pending', uri });
const bitcoin = (height: number): AttestationSpec => ({ kind: 'bitcoin', height });
const leaf = (...attestations: AttestationSpec[]): NodeSpec => ({ attestations });
const chain = (ops: OpSpec[], end: NodeSpec): NodeSpec => ops.reduceRight<NodeSpec>((child, op) => ({ ops: [[op, child]] }), end);

/** A merkle path (leaf 3 of 5) whose tip forks to two calendars and a Bitcoin attestation. */
function merkleBranch(): FileSpec {
  const leaves = [0, 1, 2, 3, 4].map((i) => Buffer.from(sha256(`leaf ${i}`), 'hex'));
  const path = buildMerkleTree(leaves).path(3).map(opToSpec);
  return {
    name: 'a merkle-path branch to two calendars and a block',
    fileHashOp: 'sha256',
    digest: leaves[3]!.toString('hex'),
    tree: chain(path, {
      ops: [
        [
          { kind: 'append', arg: 'aa'.repeat(16) },
          chain([{ kind: 'sha256' }], leaf(pending('https://alice.btc.calendar.opentimestamps.org'))),
        ],
        [
          { kind: 'prepend', arg: '5e'.repeat(8) },
          chain([{ kind: 'sha256' }], leaf(pending('https://bob.btc.calendar.opentimestamps.org'), bitcoin(812_345))),
        ],
      ],
    }),
  };
}

/** A node whose ops and attestations are inserted far from canonical order, with every op kind. */
function scrambledFork(): FileSpec {
  const end = leaf(bitcoin(1));
  return {
    name: 'a fork inserted out of canonical order',
    fileHashOp: 'sha256',
    digest: sha256('scrambled'),
    tree: {
      attestations: [
        pending('https://b.example'),
        { kind: 'unknown', tag: 'ffffffffffffffff', payload: '0102' },
        bitcoin(10),
        pending('https://a.example'),
        bitcoin(300),
        bitcoin(2),
        // Heights 256 and 129: their varuint bytes sort the other way round from the numbers (the reference
        // orders Litecoin attestations by height).
        { kind: 'unknown', tag: LITECOIN_TAG, payload: '8002' },
        { kind: 'unknown', tag: LITECOIN_TAG, payload: '8101' },
        { kind: 'unknown', tag: '0000000000000000', payload: '' },
        { kind: 'unknown', tag: 'ffffffffffffffff', payload: '01' },
      ],
      ops: [
        [{ kind: 'sha256' }, end],
        [{ kind: 'prepend', arg: 'ff' }, end],
        [{ kind: 'append', arg: '01' }, end],
        [{ kind: 'append', arg: '00ff' }, end],
        [{ kind: 'append', arg: '00' }, end],
        [{ kind: 'reverse' }, end],
        [{ kind: 'hexlify' }, chain([{ kind: 'sha256' }], end)],
        [{ kind: 'sha1' }, end],
        [{ kind: 'ripemd160' }, end],
        [{ kind: 'keccak256' }, leaf(pending('https://k.example'))],
      ],
    },
  };
}

function otherHashes(): FileSpec[] {
  return (['sha1', 'ripemd160', 'keccak256'] as const).map((fileHashOp) => ({
    name: `a ${fileHashOp} file hash`,
    fileHashOp,
    digest: (fileHashOp === 'keccak256' ? keccak256(Buffer.from('file')) : createHash(fileHashOp).update('file').digest()).toString('hex'),
    tree: chain([{ kind: 'append', arg: '0a0b0c' }, { kind: 'sha256' }], leaf(pending('http://127.0.0.1:8080'), bitcoin(0))),
  }));
}

export const SAMPLE_FILES: FileSpec[] = [merkleBranch(), scrambledFork(), ...otherHashes()];

/** The biggest sample: the one used for truncation and mutation tests. */
export const RICH_SAMPLE = SAMPLE_FILES[0]!;

export function fileHashTag(kind: HashOpKind): number {
  return OP_TAGS[kind];
}

/** A small seeded PRNG (mulberry32), so random tests are reproducible without a dependency. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Copies of bytes each with one random change: a byte overwritten, inserted or deleted. */
export function mutations(bytes: Buffer, count: number, seed: number): Buffer[] {
  const random = seededRandom(seed);
  const int = (n: number): number => Math.floor(random() * n);
  return Array.from({ length: count }, () => {
    const at = int(bytes.length);
    const byte = Buffer.of(int(256));
    switch (int(3)) {
      case 0:
        return Buffer.concat([bytes.subarray(0, at), byte, bytes.subarray(at + 1)]);
      case 1:
        return Buffer.concat([bytes.subarray(0, at), byte, bytes.subarray(at)]);
      default:
        return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)]);
    }
  });
}
