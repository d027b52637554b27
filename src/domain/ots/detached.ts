// Detached timestamp files (`.ots`): magic header, major version, the file's hash op and digest, then the proof.
import { ByteReader, ByteWriter } from './byte-stream.js';
import { OtsFormatError } from './errors.js';
import { DIGEST_LENGTHS, hex2, isHashOp, OP_TAGS, opKindForTag, type HashOpKind } from './ops.js';
import { readTimestamp, Timestamp, writeTimestamp } from './timestamp.js';

export { OtsFormatError } from './errors.js';

export const HEADER_MAGIC = Buffer.from('004f70656e54696d657374616d7073000050726f6f6600bf89e2e884e89294', 'hex');
export const MAJOR_VERSION = 1;

export interface DetachedTimestampFile {
  fileHashOp: HashOpKind;
  /** Its msg is the digest of the timestamped file. */
  timestamp: Timestamp;
}

export function serializeDetached(file: DetachedTimestampFile): Buffer {
  const digestLength = DIGEST_LENGTHS[file.fileHashOp];
  if (digestLength === undefined) throw new OtsFormatError(`${String(file.fileHashOp)} cannot hash a file`);
  if (file.timestamp.msg.length !== digestLength) {
    throw new OtsFormatError(
      `the timestamp's message is ${file.timestamp.msg.length} bytes, not a ${digestLength}-byte ${file.fileHashOp} digest`,
    );
  }
  const writer = new ByteWriter();
  writer.writeBytes(HEADER_MAGIC);
  writer.writeVaruint(MAJOR_VERSION);
  writer.writeByte(OP_TAGS[file.fileHashOp]);
  writer.writeBytes(file.timestamp.msg);
  writeTimestamp(writer, file.timestamp, 0);
  return writer.toBuffer();
}

export function parseDetached(bytes: Buffer): DetachedTimestampFile {
  const magic = bytes.subarray(0, HEADER_MAGIC.length);
  if (!magic.equals(HEADER_MAGIC)) {
    const at = firstDifference(magic, HEADER_MAGIC);
    const problem = at < magic.length ? 'does not start with' : 'is truncated inside';
    throw new OtsFormatError(`not an OpenTimestamps proof: the data ${problem} the "\\0OpenTimestamps\\0\\0Proof\\0" header`, at);
  }
  const reader = new ByteReader(bytes, HEADER_MAGIC.length);
  const versionOffset = reader.offset;
  const major = reader.readVaruint('the major version');
  if (major !== MAJOR_VERSION) {
    throw new OtsFormatError(`major version ${major} is not supported; only version ${MAJOR_VERSION} is`, versionOffset);
  }
  const tagOffset = reader.offset;
  const tag = reader.readByte('the file hash op');
  const fileHashOp = opKindForTag(tag);
  if (fileHashOp === undefined || !isHashOp(fileHashOp)) {
    throw new OtsFormatError(`file hash op 0x${hex2(tag)} is not sha1, ripemd160, sha256 or keccak256`, tagOffset);
  }
  const digest = reader.readBytes(DIGEST_LENGTHS[fileHashOp], `the ${fileHashOp} file digest`);
  const timestamp = readTimestamp(reader, digest, 0);
  if (!reader.atEnd()) throw new OtsFormatError('unexpected bytes after the end of the proof', reader.offset);
  return { fileHashOp, timestamp };
}

function firstDifference(a: Buffer, b: Buffer): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}
