// Keccak-256 (the pre-standard padding Ethereum uses, not SHA3-256), which node:crypto does not provide.

// Round constants as [low 32 bits, high 32 bits] pairs, because JS bitwise operators work on 32-bit integers.
// prettier-ignore
const ROUND_CONSTANTS = [
  '0000000000000001', '0000000000008082', '800000000000808a', '8000000080008000',
  '000000000000808b', '0000000080000001', '8000000080008081', '8000000000008009',
  '000000000000008a', '0000000000000088', '0000000080008009', '000000008000000a',
  '000000008000808b', '800000000000008b', '8000000000008089', '8000000000008003',
  '8000000000008002', '8000000000000080', '000000000000800a', '800000008000000a',
  '8000000080008081', '8000000000008080', '0000000080000001', '8000000080008008',
].map((hex) => [parseInt(hex.slice(8), 16) >>> 0, parseInt(hex.slice(0, 8), 16) >>> 0] as const);

// Rotation offsets for lane x + 5y.
const ROTATIONS = [0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14];

// Where rho+pi moves lane x + 5y: to y + 5((2x + 3y) mod 5).
const PI_TARGET = ROTATIONS.map((_, i) => {
  const x = i % 5;
  const y = Math.floor(i / 5);
  return y + 5 * ((2 * x + 3 * y) % 5);
});

/** Keccak-f[1600] on 25 lanes held as lo[i], hi[i]. */
function permute(lo: Uint32Array, hi: Uint32Array): void {
  const cLo = new Uint32Array(5);
  const cHi = new Uint32Array(5);
  const bLo = new Uint32Array(25);
  const bHi = new Uint32Array(25);
  for (const [rcLo, rcHi] of ROUND_CONSTANTS) {
    for (let x = 0; x < 5; x++) {
      cLo[x] = lo[x]! ^ lo[x + 5]! ^ lo[x + 10]! ^ lo[x + 15]! ^ lo[x + 20]!;
      cHi[x] = hi[x]! ^ hi[x + 5]! ^ hi[x + 10]! ^ hi[x + 15]! ^ hi[x + 20]!;
    }
    for (let x = 0; x < 5; x++) {
      const nLo = cLo[(x + 1) % 5]!;
      const nHi = cHi[(x + 1) % 5]!;
      const dLo = cLo[(x + 4) % 5]! ^ ((nLo << 1) | (nHi >>> 31));
      const dHi = cHi[(x + 4) % 5]! ^ ((nHi << 1) | (nLo >>> 31));
      for (let y = 0; y < 25; y += 5) {
        lo[x + y]! ^= dLo;
        hi[x + y]! ^= dHi;
      }
    }
    for (let i = 0; i < 25; i++) {
      const r = ROTATIONS[i]!;
      const l = lo[i]!;
      const h = hi[i]!;
      const t = PI_TARGET[i]!;
      if (r === 0) {
        bLo[t] = l;
        bHi[t] = h;
      } else if (r < 32) {
        bLo[t] = (l << r) | (h >>> (32 - r));
        bHi[t] = (h << r) | (l >>> (32 - r));
      } else if (r === 32) {
        bLo[t] = h;
        bHi[t] = l;
      } else {
        bLo[t] = (h << (r - 32)) | (l >>> (64 - r));
        bHi[t] = (l << (r - 32)) | (h >>> (64 - r));
      }
    }
    for (let y = 0; y < 25; y += 5) {
      for (let x = 0; x < 5; x++) {
        lo[x + y] = bLo[x + y]! ^ (~bLo[((x + 1) % 5) + y]! & bLo[((x + 2) % 5) + y]!);
        hi[x + y] = bHi[x + y]! ^ (~bHi[((x + 1) % 5) + y]! & bHi[((x + 2) % 5) + y]!);
      }
    }
    lo[0]! ^= rcLo;
    hi[0]! ^= rcHi;
  }
}

/**
 * The Keccak sponge with a 512-bit capacity and 256-bit output. `domainByte` is the first padding byte:
 * 0x01 gives Keccak-256, 0x06 gives FIPS 202 SHA3-256 (which lets tests check the permutation against node).
 */
export function keccakSponge256(msg: Buffer, domainByte: number): Buffer {
  const rate = 136;
  const blocks = Math.floor(msg.length / rate) + 1;
  const padded = Buffer.alloc(blocks * rate);
  msg.copy(padded);
  padded[msg.length] = domainByte;
  padded[padded.length - 1]! |= 0x80;
  const lo = new Uint32Array(25);
  const hi = new Uint32Array(25);
  for (let block = 0; block < padded.length; block += rate) {
    for (let lane = 0; lane < rate / 8; lane++) {
      lo[lane]! ^= padded.readUInt32LE(block + lane * 8);
      hi[lane]! ^= padded.readUInt32LE(block + lane * 8 + 4);
    }
    permute(lo, hi);
  }
  const out = Buffer.alloc(32);
  for (let lane = 0; lane < 4; lane++) {
    out.writeUInt32LE(lo[lane]!, lane * 8);
    out.writeUInt32LE(hi[lane]!, lane * 8 + 4);
  }
  return out;
}

export function keccak256(msg: Buffer): Buffer {
  return keccakSponge256(msg, 0x01);
}
