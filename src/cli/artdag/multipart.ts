// A multipart/form-data body built as a stream: the file is read while it is sent, never held in memory. The
// bytes are what FormData produces for the same parts (same escaping, same CRLFs), and the length is known in
// advance, so the request declares Content-Length and the server can refuse an oversized upload at once.
import { randomBytes } from 'node:crypto';

export interface FieldPart {
  name: string;
  value: string;
}

export interface FilePart {
  name: string;
  filename: string;
  contentType: string;
  size: number;
  open(): AsyncIterable<Uint8Array>;
}

export type Part = FieldPart | FilePart;

export interface MultipartBody {
  contentType: string;
  length: number;
  /** A fresh stream of the body; `onFileBytes` hears each chunk of file content as it is sent. */
  stream(onFileBytes?: (bytes: number) => void): ReadableStream<Uint8Array>;
}

const CRLF = '\r\n';

/** FormData's escaping of names and filenames inside the quoted header values. */
function escapeQuoted(value: string): string {
  return value.replace(/\n/g, '%0A').replace(/\r/g, '%0D').replace(/"/g, '%22');
}

/** FormData normalises every line break in a field value to CRLF. */
function normaliseLineBreaks(value: string): string {
  return value.replace(/\r\n|\r|\n/g, CRLF);
}

function isFile(part: Part): part is FilePart {
  return 'open' in part;
}

function partHeader(boundary: string, part: Part): Buffer {
  const disposition = `Content-Disposition: form-data; name="${escapeQuoted(part.name)}"`;
  const header = isFile(part)
    ? `--${boundary}${CRLF}${disposition}; filename="${escapeQuoted(part.filename)}"${CRLF}Content-Type: ${part.contentType}${CRLF}${CRLF}`
    : `--${boundary}${CRLF}${disposition}${CRLF}${CRLF}`;
  return Buffer.from(header, 'utf8');
}

export function randomBoundary(): string {
  return `----artdag-${randomBytes(16).toString('hex')}`;
}

export function multipartBody(parts: Part[], boundary = randomBoundary()): MultipartBody {
  const headers = parts.map((part) => partHeader(boundary, part));
  const values = parts.map((part) => (isFile(part) ? null : Buffer.from(normaliseLineBreaks(part.value), 'utf8')));
  const trailer = Buffer.from(`--${boundary}--${CRLF}`, 'utf8');
  const length =
    parts.reduce((sum, part, i) => sum + headers[i]!.length + (isFile(part) ? part.size : values[i]!.length) + CRLF.length, 0) +
    trailer.length;

  async function* chunks(onFileBytes: (bytes: number) => void): AsyncGenerator<Uint8Array> {
    for (const [i, part] of parts.entries()) {
      yield headers[i]!;
      if (isFile(part)) {
        let sent = 0;
        for await (const chunk of part.open()) {
          sent += chunk.length;
          onFileBytes(chunk.length);
          yield chunk;
        }
        // The declared length would be wrong; fail here rather than send a body the server cannot parse.
        if (sent !== part.size) throw new Error(`${part.filename} changed while it was being sent (${sent} bytes, expected ${part.size})`);
      } else {
        yield values[i]!;
      }
      yield Buffer.from(CRLF);
    }
    yield trailer;
  }

  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    length,
    stream: (onFileBytes = () => undefined) => ReadableStream.from(chunks(onFileBytes)),
  };
}
