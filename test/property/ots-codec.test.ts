// Property tests for the OpenTimestamps codec: random trees round-trip, hostile bytes only ever raise OtsFormatError.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeVaruint } from '../../src/domain/ots/byte-stream.js';
import {
  BITCOIN_TAG,
  DIGEST_LENGTHS,
  HEADER_MAGIC,
  MAX_OP_DEPTH,
  OP_TAGS,
  OtsFormatError,
  parseDetached,
  parseTimestamp,
  PENDING_TAG,
  serializeDetached,
  serializeTimestamp,
  Timestamp,
  type HashOpKind,
  type Op,
} from '../../src/domain/ots/index.js';
import { configureProperties } from './fast-check-setup.js';
import { bytes, detachedFile, ETHEREUM_TAG, grow, HASH_OPS, LITECOIN_TAG, plan, shape, URI_CHARS } from './ots-arbitraries.js';

configureProperties();

/** Runs parse; anything thrown must be the codec's own error. Returns the value, or null when it was refused. */
function parseOrRefuse<T>(parse: () => T): T | null {
  try {
    return parse();
  } catch (error) {
    if (error instanceof OtsFormatError) return null;
    throw new Error(`expected OtsFormatError, got ${String(error)}`, { cause: error });
  }
}

/** Whatever parses must re-serialise, and that serialisation is a fixpoint with the same meaning. */
function expectCanonicalFixpoint(bytesIn: Buffer): boolean {
  const parsed = parseOrRefuse(() => parseDetached(bytesIn));
  if (parsed === null) return false;
  const once = serializeDetached(parsed);
  const again = parseDetached(once);
  expect(again.fileHashOp).toBe(parsed.fileHashOp);
  expect(shape(again.timestamp)).toEqual(shape(parsed.timestamp));
  expect(serializeDetached(again).equals(once)).toBe(true);
  return true;
}

// --- properties -------------------------------------------------------------------------------------------------

describe('OTS round trips', () => {
  it('a bare timestamp tree serialises and parses back to an equal tree, byte-identically', () => {
    fc.assert(
      fc.property(bytes(0, 64), plan, (msg, p) => {
        const ts = new Timestamp(msg);
        grow(ts, p);
        const encoded = serializeTimestamp(ts);
        const parsed = parseTimestamp(encoded, msg);
        expect(shape(parsed)).toEqual(shape(ts));
        expect(serializeTimestamp(parsed).equals(encoded)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('a detached file keeps its header, hash op, digest and tree', () => {
    fc.assert(
      fc.property(detachedFile, (file) => {
        const encoded = serializeDetached(file);
        expect(encoded.subarray(0, HEADER_MAGIC.length).equals(HEADER_MAGIC)).toBe(true);
        expect(encoded[HEADER_MAGIC.length]).toBe(1);
        expect(encoded[HEADER_MAGIC.length + 1]).toBe(OP_TAGS[file.fileHashOp]);
        const parsed = parseDetached(encoded);
        expect(parsed.fileHashOp).toBe(file.fileHashOp);
        expect(parsed.timestamp.msg.equals(file.timestamp.msg)).toBe(true);
        expect(shape(parsed.timestamp)).toEqual(shape(file.timestamp));
        expect(serializeDetached(parsed).equals(encoded)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('a chain of n ops writes and reads back up to the depth limit, and is refused (typed) beyond it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: MAX_OP_DEPTH + 20 }),
        fc.array(fc.constantFrom<Op>({ kind: 'sha256' }, { kind: 'sha1' }, { kind: 'ripemd160' }, { kind: 'keccak256' }), {
          minLength: 1,
          maxLength: 4,
        }),
        (depth, cycle) => {
          const root = new Timestamp(Buffer.alloc(32, 7));
          let tip = root;
          for (let i = 0; i < depth; i++) tip = tip.add(cycle[i % cycle.length]!);
          tip.addAttestation({ kind: 'bitcoin', height: depth });
          const encoded = parseOrRefuse(() => serializeDetached({ fileHashOp: 'sha256', timestamp: root }));
          expect(encoded !== null).toBe(depth <= MAX_OP_DEPTH);
          if (encoded) expect(shape(parseDetached(encoded).timestamp)).toEqual(shape(root));
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('OTS parsing of hostile bytes', () => {
  const prefix = (fileHashOp: HashOpKind, digest: Buffer) => Buffer.concat([HEADER_MAGIC, Buffer.of(1, OP_TAGS[fileHashOp]), digest]);

  const varbytes = (b: Buffer) => Buffer.concat([encodeVaruint(b.length), b]);
  // Bytes no grammar rule expects: stray tags, huge or endless varuints, op runs deeper than the limit.
  const junk = fc.oneof(
    fc.integer({ min: 0, max: 255 }).map((b) => Buffer.of(b)),
    fc.oneof(fc.maxSafeNat(), fc.nat({ max: 9000 })).map(encodeVaruint),
    fc.integer({ min: 8, max: 12 }).map((n) => Buffer.concat([Buffer.alloc(n, 0xff), Buffer.of(0x7f)])),
    fc.integer({ min: 1, max: 300 }).map((n) => Buffer.alloc(n, 0x80)),
    fc.integer({ min: 200, max: 4000 }).map((n) => Buffer.alloc(n, 0x08)),
  );
  // Grammatical branches (with URIs that may hold forbidden characters), so a few percent of streams parse.
  const attestationBranch = fc
    .oneof(
      fc
        .string({ unit: fc.constantFrom(...URI_CHARS, '?', '%', '@', ' ', 'é'), maxLength: 30 })
        .map((uri) => Buffer.concat([PENDING_TAG, varbytes(varbytes(Buffer.from(uri)))])),
      fc.maxSafeNat().map((height) => Buffer.concat([BITCOIN_TAG, varbytes(encodeVaruint(height))])),
      fc.tuple(fc.constantFrom(LITECOIN_TAG, ETHEREUM_TAG), bytes(0, 10)).map(([tag, payload]) => Buffer.concat([tag, varbytes(payload)])),
      fc.tuple(bytes(8, 8), bytes(0, 20)).map(([tag, payload]) => Buffer.concat([tag, varbytes(payload)])),
    )
    .map((b) => Buffer.concat([Buffer.of(0x00), b]));
  const opBranch = fc.oneof(
    fc.constantFrom(0x08, 0x02, 0x03, 0x67, 0xf2, 0xf3).map((tag) => Buffer.of(tag)),
    fc.tuple(fc.constantFrom(0xf0, 0xf1), bytes(0, 40)).map(([tag, arg]) => Buffer.concat([Buffer.of(tag), varbytes(arg)])),
  );
  const branch = fc
    .tuple(
      fc.boolean(),
      fc.oneof({ weight: 4, arbitrary: attestationBranch }, { weight: 4, arbitrary: opBranch }, { weight: 1, arbitrary: junk }),
    )
    .map(([more, b]) => (more ? Buffer.concat([Buffer.of(0xff), b]) : b));
  const tokens = fc.array(branch, { maxLength: 30 }).map((parts) => Buffer.concat(parts));

  it('random bytes only ever raise OtsFormatError', () => {
    fc.assert(
      fc.property(bytes(0, 2048), (data) => {
        parseOrRefuse(() => parseDetached(data));
        parseOrRefuse(() => parseTimestamp(data, Buffer.alloc(32)));
      }),
      { numRuns: 500 },
    );
  });

  it('random tree grammar after a valid header only raises OtsFormatError, and what parses is canonical', () => {
    let parsedSome = 0;
    fc.assert(
      fc.property(fc.constantFrom(...HASH_OPS), tokens, (fileHashOp, tail) => {
        const data = Buffer.concat([prefix(fileHashOp, Buffer.alloc(DIGEST_LENGTHS[fileHashOp], 1)), tail]);
        if (expectCanonicalFixpoint(data)) parsedSome++;
        parseOrRefuse(() => parseTimestamp(tail, Buffer.alloc(20, 2)));
      }),
      { numRuns: 1500 },
    );
    // About 3% of these streams are valid proofs; without any the fixpoint half of the property never ran.
    expect(parsedSome).toBeGreaterThan(10);
  });

  it('truncations, single-byte changes, insertions and deletions of valid files parse canonically or raise OtsFormatError', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
    );
    let parsedSome = 0;
    fc.assert(
      fc.property(detachedFile, fc.array(mutation, { minLength: 1, maxLength: 3 }), (file, changes) => {
        let data = serializeDetached(file);
        for (const change of changes) {
          const at = change.at % (data.length + (change.kind === 'insert' ? 1 : 0));
          if (change.kind === 'truncate') data = data.subarray(0, at);
          else if (change.kind === 'delete') data = Buffer.concat([data.subarray(0, at), data.subarray(at + 1)]);
          else if (change.kind === 'insert') data = Buffer.concat([data.subarray(0, at), Buffer.of(change.value), data.subarray(at)]);
          else {
            data = Buffer.from(data);
            if (data.length > 0) data[at] = change.kind === 'set' ? change.value : data[at]! ^ (1 << change.bit);
          }
        }
        if (expectCanonicalFixpoint(data)) parsedSome++;
      }),
      { numRuns: 400 },
    );
    // Many changes (an argument byte, a height, a payload byte) keep the file valid: the fixpoint check must have run.
    expect(parsedSome).toBeGreaterThan(0);
  });

  it('a length field claiming more than the input holds fails before allocating it', () => {
    fc.assert(
      fc.property(fc.constantFrom(0xf0, 0xf1), fc.integer({ min: 4097, max: Number.MAX_SAFE_INTEGER }), (tag, length) => {
        const data = Buffer.concat([prefix('sha256', Buffer.alloc(32)), Buffer.of(tag), encodeVaruint(length)]);
        expect(() => parseDetached(data)).toThrow(OtsFormatError);
        const attestation = Buffer.concat([prefix('sha256', Buffer.alloc(32)), Buffer.of(0), PENDING_TAG, encodeVaruint(length)]);
        expect(() => parseDetached(attestation)).toThrow(OtsFormatError);
      }),
      { numRuns: 200 },
    );
  });
});
