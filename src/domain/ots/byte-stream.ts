// Byte-level reading and writing for OpenTimestamps: fixed bytes, LEB128 varuints and length-prefixed varbytes.
import { OtsFormatError } from './errors.js';

/** Reads [start, end) of a buffer; offsets in errors are absolute so nested payloads point at the real byte. */
export class ByteReader {
  private pos: number;

  constructor(
    private readonly buf: Buffer,
    start = 0,
    private readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get offset(): number {
    return this.pos;
  }

  atEnd(): boolean {
    return this.pos >= this.end;
  }

  readByte(what: string): number {
    if (this.pos >= this.end) throw new OtsFormatError(`truncated: expected ${what}, found the end of the data`, this.pos);
    return this.buf[this.pos++]!;
  }

  readBytes(length: number, what: string): Buffer {
    this.ensure(length, what);
    // A copy, so a parsed tree never pins (or aliases) the caller's input buffer.
    const bytes = Buffer.from(this.buf.subarray(this.pos, this.pos + length));
    this.pos += length;
    return bytes;
  }

  /**
   * Unsigned LEB128. Like the reference we accept non-minimal encodings (they re-serialize minimally), but we
   * refuse values beyond 2^53 - 1, which no length, height or version can legitimately reach.
   */
  readVaruint(what: string): number {
    const start = this.pos;
    let value = 0;
    let scale = 1;
    for (;;) {
      const byte = this.readByte(what);
      const bits = byte & 0x7f;
      if (bits !== 0) {
        value += bits * scale;
        if (!Number.isSafeInteger(value)) throw new OtsFormatError(`${what} is larger than 2^53 - 1`, start);
      }
      if ((byte & 0x80) === 0) return value;
      // Zero groups are skipped above, so a scale that grows to Infinity can only ever fail the check, not give NaN.
      scale *= 128;
    }
  }

  readVarbytes(maxLength: number, minLength: number, what: string): Buffer {
    return this.readBytes(this.readLength(maxLength, minLength, what), what);
  }

  /** Reads a length-prefixed field as its own reader (offsets stay absolute) and skips past it. */
  readNested(maxLength: number, what: string): ByteReader {
    const length = this.readLength(maxLength, 0, what);
    this.ensure(length, what);
    const nested = new ByteReader(this.buf, this.pos, this.pos + length);
    this.pos += length;
    return nested;
  }

  /** The rest of this reader's range, copied. */
  readRest(what: string): Buffer {
    return this.readBytes(this.end - this.pos, what);
  }

  private ensure(length: number, what: string): void {
    const left = this.end - this.pos;
    if (length > left) {
      throw new OtsFormatError(`truncated: expected ${length} bytes of ${what}, only ${left} left`, this.pos);
    }
  }

  private readLength(maxLength: number, minLength: number, what: string): number {
    const start = this.pos;
    const length = this.readVaruint(`the length of ${what}`);
    if (length > maxLength) throw new OtsFormatError(`${what} is ${length} bytes; at most ${maxLength} are allowed`, start);
    if (length < minLength) throw new OtsFormatError(`${what} is ${length} bytes; at least ${minLength} are required`, start);
    return length;
  }
}

/** Collects chunks and concatenates once at the end. */
export class ByteWriter {
  private readonly chunks: Buffer[] = [];

  writeByte(byte: number): void {
    this.chunks.push(Buffer.of(byte));
  }

  writeBytes(bytes: Buffer): void {
    this.chunks.push(bytes);
  }

  writeVaruint(value: number): void {
    this.chunks.push(encodeVaruint(value));
  }

  writeVarbytes(bytes: Buffer): void {
    this.writeVaruint(bytes.length);
    this.chunks.push(bytes);
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

export function encodeVaruint(value: number): Buffer {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new OtsFormatError(`cannot encode ${value} as a varuint: it must be an integer from 0 to 2^53 - 1`);
  }
  const bytes: number[] = [];
  let rest = value;
  while (rest > 0x7f) {
    bytes.push((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}
