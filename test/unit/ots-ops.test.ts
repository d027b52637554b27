import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keccakSponge256 } from '../../src/domain/ots/keccak.js';
import { applyOp, compareOps, describeOp, keccak256, opEquals, OtsFormatError, type Op } from '../../src/domain/ots/index.js';

const hex = (b: Buffer): string => b.toString('hex');
const text = (s: string): Buffer => Buffer.from(s);

describe('hash ops', () => {
  it.each([
    ['sha256', '', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['sha256', 'abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['sha1', '', 'da39a3ee5e6b4b0d3255bfef95601890afd80709'],
    ['sha1', 'abc', 'a9993e364706816aba3e25717850c26c9cd0d89d'],
    ['ripemd160', '', '9c1185a5c5e9fc54612808977ee8f548b2258d31'],
    ['ripemd160', 'abc', '8eb208f7e05d987a9b044a8e98c6b087f15a0bfc'],
    ['keccak256', '', 'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470'],
    ['keccak256', 'abc', '4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45'],
    ['keccak256', 'The quick brown fox jumps over the lazy dog', '4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15'],
  ] as const)('%s of %j is the known digest', (kind, input, expected) => {
    expect(hex(applyOp({ kind }, text(input)))).toBe(expected);
  });

  it('computes keccak256 over inputs that span several 136-byte blocks', () => {
    // 200 bytes of 0xa3 (the SHA-3 bulk test message) under Keccak padding, as PyCryptodome computes it.
    expect(hex(keccak256(Buffer.alloc(200, 0xa3)))).toBe('3a57666b048777f2c953dc4456f45a2588e1cb6f2da760122d530ac2ce607d4a');
  });

  it('runs the same permutation as node sha3-256 at every length around the block boundaries', () => {
    for (let length = 0; length <= 420; length++) {
      const msg = randomBytes(length);
      expect(hex(keccakSponge256(msg, 0x06)), `length ${length}`).toBe(createHash('sha3-256').update(msg).digest('hex'));
    }
  });

  it('is not sha3-256', () => {
    expect(hex(keccak256(Buffer.alloc(0)))).not.toBe(createHash('sha3-256').digest('hex'));
  });
});

describe('byte ops', () => {
  const msg = Buffer.from('0a1b2c', 'hex');

  it('appends and prepends their argument', () => {
    expect(hex(applyOp({ kind: 'append', arg: Buffer.from('ff', 'hex') }, msg))).toBe('0a1b2cff');
    expect(hex(applyOp({ kind: 'prepend', arg: Buffer.from('ff', 'hex') }, msg))).toBe('ff0a1b2c');
  });

  it('reverses bytes without touching the input', () => {
    expect(hex(applyOp({ kind: 'reverse' }, msg))).toBe('2c1b0a');
    expect(hex(msg)).toBe('0a1b2c');
  });

  it('hexlifies into lower-case ASCII hex', () => {
    expect(applyOp({ kind: 'hexlify' }, Buffer.from('abCD', 'hex')).toString('latin1')).toBe('abcd');
  });

  it.each(['reverse', 'hexlify'] as const)('refuses to %s an empty message', (kind) => {
    expect(() => applyOp({ kind }, Buffer.alloc(0))).toThrow(OtsFormatError);
  });
});

describe('op limits (the reference values)', () => {
  it('accepts a 4096-byte message and refuses 4097 bytes', () => {
    expect(applyOp({ kind: 'sha256' }, Buffer.alloc(4096))).toHaveLength(32);
    expect(() => applyOp({ kind: 'sha256' }, Buffer.alloc(4097))).toThrow(/4097-byte message; the limit is 4096/);
  });

  it('refuses results over 4096 bytes', () => {
    expect(applyOp({ kind: 'append', arg: Buffer.alloc(96) }, Buffer.alloc(4000))).toHaveLength(4096);
    expect(() => applyOp({ kind: 'append', arg: Buffer.alloc(97) }, Buffer.alloc(4000))).toThrow(/4097 bytes; the limit is 4096/);
  });

  it('hexlifies at most 2048 bytes', () => {
    expect(applyOp({ kind: 'hexlify' }, Buffer.alloc(2048))).toHaveLength(4096);
    expect(() => applyOp({ kind: 'hexlify' }, Buffer.alloc(2049))).toThrow(OtsFormatError);
  });

  it.each([0, 4097])('refuses a %i-byte append/prepend argument', (length) => {
    expect(() => applyOp({ kind: 'append', arg: Buffer.alloc(length) }, Buffer.alloc(1))).toThrow(OtsFormatError);
    expect(() => applyOp({ kind: 'prepend', arg: Buffer.alloc(length) }, Buffer.alloc(1))).toThrow(OtsFormatError);
  });
});

describe('comparing and describing ops', () => {
  const append = (h: string): Op => ({ kind: 'append', arg: Buffer.from(h, 'hex') });

  it('treats ops with equal kind and argument as equal', () => {
    expect(opEquals(append('00ff'), append('00ff'))).toBe(true);
    expect(opEquals(append('00ff'), append('00'))).toBe(false);
    expect(opEquals({ kind: 'sha256' }, { kind: 'sha256' })).toBe(true);
    expect(opEquals({ kind: 'sha256' }, { kind: 'sha1' })).toBe(false);
  });

  it('orders by tag byte, then by argument with a prefix first', () => {
    const ops: Op[] = [append('01'), { kind: 'keccak256' }, append('00ff'), { kind: 'sha1' }, append('00'), { kind: 'sha256' }];
    expect(ops.sort(compareOps).map(describeOp)).toEqual(['sha1', 'sha256', 'keccak256', 'append 00', 'append 00ff', 'append 01']);
  });

  it('describes ops the way `ots info` prints them', () => {
    expect(describeOp({ kind: 'sha256' })).toBe('sha256');
    expect(describeOp({ kind: 'prepend', arg: Buffer.from('0a1b', 'hex') })).toBe('prepend 0a1b');
  });
});
