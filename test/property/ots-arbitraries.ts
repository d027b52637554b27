// Generated OpenTimestamps trees: random ops and attestations built into Timestamps, and a structural view to compare them.
import fc from 'fast-check';
import { encodeVaruint } from '../../src/domain/ots/byte-stream.js';
import {
  BITCOIN_TAG,
  canonicalAttestations,
  canonicalOps,
  DIGEST_LENGTHS,
  describeOp,
  OtsFormatError,
  PENDING_TAG,
  Timestamp,
  type Attestation,
  type HashOpKind,
  type Op,
} from '../../src/domain/ots/index.js';

export const LITECOIN_TAG = Buffer.from('06869a0d73d71b45', 'hex');
export const ETHEREUM_TAG = Buffer.from('30fe8087b5c7ead7', 'hex');
export const HASH_OPS: HashOpKind[] = ['sha256', 'sha1', 'ripemd160', 'keccak256'];
export const URI_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._/:'.split('');

export const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max }).map((a) => Buffer.from(a));

// --- generators -------------------------------------------------------------------------------------------------

const pendingUri = fc.oneof(
  fc.string({ unit: fc.constantFrom(...URI_CHARS), maxLength: 80 }),
  fc.string({ unit: fc.constantFrom(...URI_CHARS), minLength: 900, maxLength: 1000 }),
  fc.domain().map((host) => `https://${host}`),
);

const unknownTag = bytes(8, 8).filter((tag) => !tag.equals(PENDING_TAG) && !tag.equals(BITCOIN_TAG));

const attestation: fc.Arbitrary<Attestation> = fc.oneof(
  pendingUri.map((uri): Attestation => ({ kind: 'pending', uri })),
  fc.maxSafeNat().map((height): Attestation => ({ kind: 'bitcoin', height })),
  fc.nat({ max: 1_000_000 }).map((height): Attestation => ({ kind: 'bitcoin', height })),
  fc.tuple(unknownTag, fc.oneof(bytes(0, 64), bytes(8000, 8192))).map(([tag, payload]): Attestation => ({ kind: 'unknown', tag, payload })),
  // Litecoin and Ethereum payloads are a single minimal varuint height; the codec canonicalises them.
  fc
    .tuple(fc.constantFrom(LITECOIN_TAG, ETHEREUM_TAG), fc.maxSafeNat())
    .map(([tag, height]): Attestation => ({ kind: 'unknown', tag, payload: encodeVaruint(height) })),
);

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.constantFrom<Op>(
    { kind: 'sha256' },
    { kind: 'sha1' },
    { kind: 'ripemd160' },
    { kind: 'keccak256' },
    { kind: 'reverse' },
    { kind: 'hexlify' },
  ),
  fc
    .tuple(fc.constantFrom('append' as const, 'prepend' as const), fc.oneof(bytes(1, 40), bytes(1000, 2100)))
    .map(([kind, arg]): Op => ({ kind, arg })),
);

/** A tree as data: built into a Timestamp afterwards, where ops that cannot apply to their message are replaced. */
export interface Plan {
  attestations: Attestation[];
  children: [Op, Plan][];
}

export const { plan } = fc.letrec<{ plan: Plan; leaf: Plan; inner: Plan }>((tie) => ({
  plan: fc.oneof({ maxDepth: 5, depthIdentifier: 'ots-tree' }, tie('leaf'), tie('inner')),
  leaf: fc.record({ attestations: fc.array(attestation, { minLength: 1, maxLength: 3 }), children: fc.constant([]) }),
  inner: fc.record({
    attestations: fc.array(attestation, { maxLength: 2 }),
    children: fc.array(fc.tuple(op, tie('plan')), { minLength: 1, maxLength: 3, depthIdentifier: 'ots-tree' }),
  }),
}));

/** Adds plan to ts; an op that the message cannot take (too long, empty for reverse) becomes sha256, which always can. */
export function grow(ts: Timestamp, p: Plan): void {
  for (const a of p.attestations) ts.addAttestation(a);
  for (const [edge, sub] of p.children) {
    let child: Timestamp;
    try {
      child = ts.add(edge);
    } catch (error) {
      if (!(error instanceof OtsFormatError)) throw error;
      child = ts.add({ kind: 'sha256' });
    }
    grow(child, sub);
  }
  // A node must hold something; a planned leaf always does, but be explicit for the fallback path.
  if (ts.attestations.length === 0 && ts.ops.length === 0) ts.addAttestation({ kind: 'bitcoin', height: 0 });
}

export const detachedFile = fc.constantFrom(...HASH_OPS).chain((fileHashOp) =>
  fc.tuple(bytes(DIGEST_LENGTHS[fileHashOp], DIGEST_LENGTHS[fileHashOp]), plan).map(([digest, p]) => {
    const timestamp = new Timestamp(digest);
    grow(timestamp, p);
    return { fileHashOp, timestamp };
  }),
);

// --- helpers ----------------------------------------------------------------------------------------------------

/** A plain value that equals another exactly when two trees mean the same proof (order-free, as the format is). */
export function shape(ts: Timestamp): unknown {
  return {
    msg: ts.msg.toString('hex'),
    attestations: canonicalAttestations(ts).map((a) =>
      a.kind === 'pending'
        ? `pending ${a.uri}`
        : a.kind === 'bitcoin'
          ? `bitcoin ${a.height}`
          : `${a.tag.toString('hex')} ${a.payload.toString('hex')}`,
    ),
    ops: canonicalOps(ts).map(([o, child]) => [describeOp(o), shape(child)]),
  };
}
