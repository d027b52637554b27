// Attestations (the leaves of a timestamp tree): their tags, payload codecs and the reference's ordering.
import { ByteReader, ByteWriter, encodeVaruint } from './byte-stream.js';
import { OtsFormatError } from './errors.js';

export const PENDING_TAG = Buffer.from('83dfe30d2ef90c8e', 'hex');
export const BITCOIN_TAG = Buffer.from('0588960d73d71901', 'hex');

export type Attestation =
  { kind: 'pending'; uri: string } | { kind: 'bitcoin'; height: number } | { kind: 'unknown'; tag: Buffer; payload: Buffer };

export const ATTESTATION_TAG_LENGTH = 8;
/** python-opentimestamps `TimeAttestation.MAX_PAYLOAD_SIZE` and `PendingAttestation.MAX_URI_LENGTH`. */
export const MAX_PAYLOAD_LENGTH = 8192;
export const MAX_URI_LENGTH = 1000;
// No query, fragment, percent-encoding, userinfo or IPv6 brackets: the reference keeps calendar URIs boring.
const URI_PATTERN = /^[A-Za-z0-9\-._/:]*$/;

/**
 * Litecoin and (the reference's "dubious") Ethereum attestations carry just a block height. We surface them as
 * `unknown`, but the reference decodes them, so we validate, canonicalise and order them the same way; otherwise
 * a file holding them would not round-trip byte-identically through both implementations.
 */
const HEIGHT_ONLY_TAGS = [Buffer.from('06869a0d73d71b45', 'hex'), Buffer.from('30fe8087b5c7ead7', 'hex')];

function isHeightOnlyTag(tag: Buffer): boolean {
  return HEIGHT_ONLY_TAGS.some((t) => t.equals(tag));
}

function tagOf(a: Attestation): Buffer {
  return a.kind === 'pending' ? PENDING_TAG : a.kind === 'bitcoin' ? BITCOIN_TAG : a.tag;
}

/** The reference's `TimeAttestation.__lt__`: by tag, then per kind (URI, height, or payload bytes). */
export function compareAttestations(a: Attestation, b: Attestation): number {
  const byTag = Buffer.compare(tagOf(a), tagOf(b));
  if (byTag !== 0) return byTag;
  if (a.kind === 'pending' && b.kind === 'pending') return a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : 0;
  if (a.kind === 'bitcoin' && b.kind === 'bitcoin') return a.height - b.height;
  if (a.kind === 'unknown' && b.kind === 'unknown') {
    const [heightA, heightB] = isHeightOnlyTag(a.tag) ? [heightOf(a.payload), heightOf(b.payload)] : [null, null];
    return heightA !== null && heightB !== null ? heightA - heightB : Buffer.compare(a.payload, b.payload);
  }
  return 0;
}

export function attestationEquals(a: Attestation, b: Attestation): boolean {
  return compareAttestations(a, b) === 0;
}

/** The payload bytes (before the outer length prefix), refusing anything the reference could not read back. */
function encodePayload(a: Attestation): Buffer {
  switch (a.kind) {
    case 'pending': {
      const uri = Buffer.from(a.uri, 'utf8');
      checkUri(uri);
      const writer = new ByteWriter();
      writer.writeVarbytes(uri);
      return writer.toBuffer();
    }
    case 'bitcoin':
      return encodeVaruint(a.height);
    case 'unknown':
      if (a.tag.length !== ATTESTATION_TAG_LENGTH) {
        throw new OtsFormatError(`attestation tag is ${a.tag.length} bytes; it must be ${ATTESTATION_TAG_LENGTH}`);
      }
      if (a.tag.equals(PENDING_TAG) || a.tag.equals(BITCOIN_TAG)) {
        throw new OtsFormatError(`attestation tag ${a.tag.toString('hex')} is a known kind; use that kind instead`);
      }
      if (isHeightOnlyTag(a.tag) && !isMinimalHeight(a.payload)) {
        throw new OtsFormatError(`attestation ${a.tag.toString('hex')} must carry exactly one minimal varuint height`);
      }
      return a.payload;
  }
}

export function writeAttestation(writer: ByteWriter, a: Attestation): void {
  const payload = encodePayload(a);
  if (payload.length > MAX_PAYLOAD_LENGTH) {
    throw new OtsFormatError(`attestation payload is ${payload.length} bytes; the limit is ${MAX_PAYLOAD_LENGTH}`);
  }
  writer.writeBytes(tagOf(a));
  writer.writeVarbytes(payload);
}

/** Reads an attestation after its 0x00 marker: 8-byte tag, then varbytes payload. */
export function readAttestation(reader: ByteReader): Attestation {
  const tag = reader.readBytes(ATTESTATION_TAG_LENGTH, 'an attestation tag');
  const payload = reader.readNested(MAX_PAYLOAD_LENGTH, 'an attestation payload');
  let attestation: Attestation;
  if (tag.equals(PENDING_TAG)) {
    const uriStart = payload.offset;
    const uri = payload.readVarbytes(MAX_URI_LENGTH, 0, 'a pending attestation URI');
    checkUri(uri, uriStart);
    attestation = { kind: 'pending', uri: uri.toString('latin1') };
  } else if (tag.equals(BITCOIN_TAG)) {
    attestation = { kind: 'bitcoin', height: payload.readVaruint('a bitcoin block height') };
  } else if (isHeightOnlyTag(tag)) {
    attestation = { kind: 'unknown', tag, payload: encodeVaruint(payload.readVaruint('a block height')) };
  } else {
    return { kind: 'unknown', tag, payload: payload.readRest('an attestation payload') };
  }
  // Known payloads have no room for extensions; the reference refuses extra bytes, so we do too.
  if (!payload.atEnd()) throw new OtsFormatError('unexpected bytes after the attestation payload', payload.offset);
  return attestation;
}

function checkUri(uri: Buffer, offset?: number): void {
  if (uri.length > MAX_URI_LENGTH) {
    throw new OtsFormatError(`pending attestation URI is ${uri.length} bytes; the limit is ${MAX_URI_LENGTH}`, offset);
  }
  const text = uri.toString('latin1');
  if (!URI_PATTERN.test(text)) {
    throw new OtsFormatError(`pending attestation URI ${JSON.stringify(text)} has characters outside [A-Za-z0-9-._/:]`, offset);
  }
}

/** The height in a height-only payload; invalid payloads (refused when written) order by their bytes. */
function heightOf(payload: Buffer): number | null {
  try {
    const reader = new ByteReader(payload);
    const height = reader.readVaruint('a block height');
    return reader.atEnd() ? height : null;
  } catch {
    return null;
  }
}

function isMinimalHeight(payload: Buffer): boolean {
  const height = heightOf(payload);
  return height !== null && encodeVaruint(height).equals(payload);
}
