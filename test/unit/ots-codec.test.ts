import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  attestedMessages,
  BITCOIN_TAG,
  HEADER_MAGIC,
  OtsFormatError,
  parseDetached,
  parseTimestamp,
  PENDING_TAG,
  serializeDetached,
  serializeTimestamp,
  Timestamp,
  type Op,
} from '../../src/domain/ots/index.js';
import {
  attestationHex,
  fileBytes,
  fileFromSpec,
  LITECOIN_TAG,
  RICH_SAMPLE,
  SAMPLE_FILES,
  type NodeSpec,
} from '../oracle/sample-proofs.js';

const digest = createHash('sha256').update('art').digest();
const h = (hex: string): Buffer => Buffer.from(hex.replace(/\s+/g, ''), 'hex');
const varbytes = (b: Buffer): Buffer => Buffer.concat([Buffer.of(b.length), b]);
const pendingPayload = (uri: string): Buffer => varbytes(varbytes(Buffer.from(uri)));
/** The fixed start of a sha256 detached file for `digest`. */
const prefix = Buffer.concat([HEADER_MAGIC, h('01 08'), digest]);

function formatError(run: () => unknown): OtsFormatError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(OtsFormatError);
    return error as OtsFormatError;
  }
  throw new Error('expected an OtsFormatError, but nothing was thrown');
}

describe('detached files', () => {
  it('writes the reference layout for a single pending attestation', () => {
    const ts = new Timestamp(digest);
    ts.attestations.push({ kind: 'pending', uri: 'https://a.example' });
    const expected = Buffer.concat([prefix, h('00'), PENDING_TAG, pendingPayload('https://a.example')]);
    expect(serializeDetached({ fileHashOp: 'sha256', timestamp: ts }).toString('hex')).toBe(expected.toString('hex'));
  });

  it.each(SAMPLE_FILES.map((spec) => [spec.name, spec] as const))('round-trips %s byte-identically', (_, spec) => {
    const bytes = fileBytes(spec);
    const parsed = parseDetached(bytes);
    expect(parsed.fileHashOp).toBe(spec.fileHashOp);
    expect(serializeDetached(parsed).equals(bytes)).toBe(true);
    const describe = (ts: Timestamp): string[] =>
      attestedMessages(ts).map((a) => `${a.msg.toString('hex')} ${attestationHex(a.attestation)}`);
    expect(describe(parsed.timestamp)).toEqual(describe(fileFromSpec(spec).timestamp));
  });

  it('writes the same bytes whatever order branches were inserted in', () => {
    const scrambled = SAMPLE_FILES[1]!;
    const reversed = (node: NodeSpec): NodeSpec => ({
      attestations: [...(node.attestations ?? [])].reverse(),
      ops: [...(node.ops ?? [])].reverse().map(([op, child]) => [op, reversed(child)]),
    });
    expect(fileBytes({ ...scrambled, tree: reversed(scrambled.tree) }).equals(fileBytes(scrambled))).toBe(true);
  });

  it('orders Litecoin attestations by height, not by their payload bytes', () => {
    const bytes = fileBytes(SAMPLE_FILES[1]!).toString('hex');
    expect(bytes.indexOf(`${LITECOIN_TAG}028101`)).toBeLessThan(bytes.indexOf(`${LITECOIN_TAG}028002`));
  });

  it('refuses a file that is not an OpenTimestamps proof', () => {
    const error = formatError(() => parseDetached(Buffer.from('%PDF-1.7 definitely not a proof, just some bytes')));
    expect(error.message).toMatch(/not an OpenTimestamps proof.*at byte 0/);
  });

  it('refuses major version 2 and names it', () => {
    const bytes = Buffer.concat([HEADER_MAGIC, h('02 08'), digest, h('00'), PENDING_TAG, pendingPayload('https://a')]);
    expect(formatError(() => parseDetached(bytes)).message).toMatch(/major version 2 is not supported.*at byte 31/);
  });

  it('reads a non-minimal varuint like the reference and writes it minimally', () => {
    const tail = Buffer.concat([h('00'), PENDING_TAG, pendingPayload('https://a')]);
    const padded = Buffer.concat([HEADER_MAGIC, h('8100 08'), digest, tail]);
    expect(serializeDetached(parseDetached(padded)).equals(Buffer.concat([prefix, tail]))).toBe(true);
  });

  it('refuses trailing bytes after the proof', () => {
    const bytes = fileBytes(RICH_SAMPLE);
    const error = formatError(() => parseDetached(Buffer.concat([bytes, h('00')])));
    expect(error.offset).toBe(bytes.length);
  });

  it('refuses every truncation of a valid file, pointing inside it', () => {
    const bytes = fileBytes(RICH_SAMPLE);
    for (let length = 0; length < bytes.length; length++) {
      const error = formatError(() => parseDetached(bytes.subarray(0, length)));
      expect(error.offset, `truncated to ${length} bytes`).toBeLessThanOrEqual(length);
      expect(error.message).toMatch(/at byte \d+/);
    }
  });

  it('refuses a file hash op that is not a hash', () => {
    const bytes = Buffer.concat([HEADER_MAGIC, h('01 f0 01 aa')]);
    expect(formatError(() => parseDetached(bytes)).message).toMatch(/file hash op 0xf0 is not .*at byte 32/);
  });

  it('refuses to write a digest of the wrong length for its hash', () => {
    const ts = new Timestamp(digest);
    ts.attestations.push({ kind: 'bitcoin', height: 1 });
    formatError(() => serializeDetached({ fileHashOp: 'sha1', timestamp: ts }));
  });
});

describe('timestamps', () => {
  const body = (hex: string): Buffer => Buffer.concat([prefix, h(hex)]);

  it('refuses unknown op tags', () => {
    expect(formatError(() => parseDetached(body('04'))).message).toMatch(/unknown operation tag 0x04.*at byte 65/);
    expect(formatError(() => parseDetached(body('ff ff'))).message).toMatch(/unknown operation tag 0xff.*at byte 66/);
  });

  it('refuses oversized and empty op arguments', () => {
    expect(formatError(() => parseDetached(body('f0 8120'))).message).toMatch(/append argument is 4097 bytes; at most 4096/);
    expect(formatError(() => parseDetached(body('f1 00'))).message).toMatch(/prepend argument is 0 bytes; at least 1/);
  });

  it('refuses an op whose result would exceed 4096 bytes', () => {
    const bytes = body(`f0 8020 ${'00'.repeat(4096)} 08 00 ${BITCOIN_TAG.toString('hex')} 01 01`);
    expect(formatError(() => parseDetached(bytes)).message).toMatch(/cannot apply.*4128 bytes.*at byte 65/);
  });

  it('refuses lengths beyond 2^53 - 1', () => {
    expect(formatError(() => parseDetached(body('f0 ffffffffffffffff7f'))).message).toMatch(/larger than 2\^53 - 1/);
  });

  it('reads 255 ops deep and refuses 256, like the reference', () => {
    const chain = (depth: number): Buffer => Buffer.concat([h('08'.repeat(depth)), h('00'), BITCOIN_TAG, h('01 01')]);
    expect(parseTimestamp(chain(255), digest).allAttestations()).toHaveLength(1);
    expect(formatError(() => parseTimestamp(chain(256), digest)).message).toMatch(/more than 255 ops deep/);
  });

  it('round-trips a bare timestamp and refuses trailing bytes', () => {
    const bytes = Buffer.concat([h('08 00'), PENDING_TAG, pendingPayload('https://cal.example')]);
    expect(serializeTimestamp(parseTimestamp(bytes, digest)).equals(bytes)).toBe(true);
    expect(formatError(() => parseTimestamp(Buffer.concat([bytes, h('00')]), digest)).offset).toBe(bytes.length);
  });

  it('keeps the last of two equal op branches and drops duplicate attestations, as the reference does', () => {
    const att = (height: number): string => `00 ${BITCOIN_TAG.toString('hex')} 01 ${height.toString(16).padStart(2, '0')}`;
    const bytes = body(`ff ${att(7)} ff ${att(7)} ff 08 ${att(1)} 08 ${att(2)}`);
    const parsed = parseDetached(bytes);
    expect(parsed.timestamp.attestations).toEqual([{ kind: 'bitcoin', height: 7 }]);
    expect(parsed.timestamp.ops).toHaveLength(1);
    expect(parsed.timestamp.ops[0]![1].attestations).toEqual([{ kind: 'bitcoin', height: 2 }]);
  });
});

describe('attestations', () => {
  const withAttestation = (tagAndPayload: string): Buffer => Buffer.concat([prefix, h('00'), h(tagAndPayload)]);
  const pending = PENDING_TAG.toString('hex');
  const bitcoin = BITCOIN_TAG.toString('hex');

  it('round-trips unknown attestations byte-identically, empty and at the 8192-byte limit', () => {
    for (const payload of [Buffer.alloc(0), Buffer.from('c0ffee', 'hex'), Buffer.alloc(8192, 7)]) {
      const ts = new Timestamp(digest);
      ts.attestations.push({ kind: 'unknown', tag: h('0102030405060708'), payload });
      const bytes = serializeDetached({ fileHashOp: 'sha256', timestamp: ts });
      const parsed = parseDetached(bytes);
      expect(parsed.timestamp.attestations).toEqual([{ kind: 'unknown', tag: h('0102030405060708'), payload }]);
      expect(serializeDetached(parsed).equals(bytes)).toBe(true);
    }
  });

  it('refuses payloads over 8192 bytes', () => {
    expect(formatError(() => parseDetached(withAttestation(`0102030405060708 8140`))).message).toMatch(/8193 bytes; at most 8192/);
  });

  it('refuses pending URIs with characters the reference does not allow, or over 1000 bytes', () => {
    const uri = (text: string): string => pendingPayload(text).toString('hex');
    expect(formatError(() => parseDetached(withAttestation(`${pending} ${uri('https://a.example/?q=1')}`))).message).toMatch(
      /characters outside/,
    );
    const long = Buffer.concat([h('eb07 e907'), Buffer.alloc(1001, 0x61)]).toString('hex');
    expect(formatError(() => parseDetached(withAttestation(`${pending} ${long}`))).message).toMatch(/1001 bytes; at most 1000/);
  });

  it('refuses known payloads with extra bytes', () => {
    expect(formatError(() => parseDetached(withAttestation(`${bitcoin} 02 0100`))).message).toMatch(/unexpected bytes after/);
    expect(formatError(() => parseDetached(withAttestation(`${pending} 03 01 61 00`))).message).toMatch(/unexpected bytes after/);
  });

  it('refuses to write what the reference could not read back', () => {
    const write = (attestation: Parameters<Timestamp['addAttestation']>[0]): Buffer => {
      const ts = new Timestamp(digest);
      ts.addAttestation(attestation);
      return serializeTimestamp(ts);
    };
    formatError(() => write({ kind: 'pending', uri: 'https://a.example/?query' }));
    formatError(() => write({ kind: 'pending', uri: `https://${'a'.repeat(1000)}` }));
    formatError(() => write({ kind: 'bitcoin', height: -1 }));
    formatError(() => write({ kind: 'unknown', tag: PENDING_TAG, payload: Buffer.alloc(0) }));
    formatError(() => write({ kind: 'unknown', tag: h('01'), payload: Buffer.alloc(0) }));
    formatError(() => write({ kind: 'unknown', tag: h(LITECOIN_TAG), payload: h('8000') }));
    formatError(() => serializeTimestamp(new Timestamp(digest)));
  });
});

describe('building trees', () => {
  const sha256: Op = { kind: 'sha256' };

  it('returns the existing child for an equal op', () => {
    const ts = new Timestamp(digest);
    expect(ts.add({ kind: 'append', arg: h('aa') })).toBe(ts.add({ kind: 'append', arg: h('aa') }));
    expect(ts.ops).toHaveLength(1);
    expect(ts.ops[0]![1].msg.equals(Buffer.concat([digest, h('aa')]))).toBe(true);
  });

  it('merges attestations and subtrees recursively', () => {
    const a = new Timestamp(digest);
    a.add(sha256).addAttestation({ kind: 'pending', uri: 'https://a' });
    const b = new Timestamp(digest);
    b.add(sha256).addAttestation({ kind: 'pending', uri: 'https://a' });
    b.add(sha256).add(sha256).addAttestation({ kind: 'bitcoin', height: 5 });
    b.addAttestation({ kind: 'bitcoin', height: 6 });
    a.merge(b);
    expect(a.allAttestations().map((x) => x.attestation)).toEqual([
      { kind: 'bitcoin', height: 6 },
      { kind: 'pending', uri: 'https://a' },
      { kind: 'bitcoin', height: 5 },
    ]);
    expect(() => a.merge(new Timestamp(h('00')))).toThrow(RangeError);
  });

  it('lists each attestation with the ops from the root to its message', () => {
    const parsed = parseDetached(fileBytes(RICH_SAMPLE));
    const found = attestedMessages(parsed.timestamp);
    expect(found.map((a) => a.attestation.kind).sort()).toEqual(['bitcoin', 'pending', 'pending']);
    for (const { msg, ops } of found) {
      let node = parsed.timestamp;
      for (const op of ops) node = node.add(op);
      expect(node.msg.equals(msg)).toBe(true);
    }
    expect(parsed.timestamp.allAttestations()).toHaveLength(3);
  });
});
