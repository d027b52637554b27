import Busboy from 'busboy';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ApiClient } from '../../src/cli/artdag/api-client.js';
import { multipartBody, type Part } from '../../src/cli/artdag/multipart.js';

async function bytesOf(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  return Buffer.from(await new Response(stream).arrayBuffer());
}

/** What undici's FormData sends for the same parts, with its boundary swapped for ours. */
async function formDataBytes(
  fields: [string, string][],
  file: { name: string; filename: string; type: string; bytes: Buffer },
  boundary: string,
) {
  const form = new FormData();
  for (const [name, value] of fields) form.append(name, value);
  form.append(file.name, new Blob([file.bytes], { type: file.type }), file.filename);
  const response = new Response(form);
  const theirs = /boundary=(.+)$/.exec(response.headers.get('content-type')!)![1]!;
  const bytes = Buffer.from(await response.arrayBuffer());
  return Buffer.from(bytes.toString('latin1').split(theirs).join(boundary), 'latin1');
}

function chunked(bytes: Buffer, size: number): () => AsyncIterable<Uint8Array> {
  return async function* () {
    for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
  };
}

const fields: [string, string][] = [
  ['name', 'my-asset'],
  ['asset_type', 'image'],
  ['tags', 'a,b'],
  ['description', 'two lines\nwith "quotes" and é\r\nand a lone \r'],
  ['content_hash', 'ab'.repeat(32)],
];

describe('the streamed multipart body', () => {
  it('is byte for byte what FormData produces, and declares its exact length', async () => {
    const file = { name: 'file', filename: 'pic "1"\n.png', type: 'image/png', bytes: randomBytes(200_000) };
    const parts: Part[] = [
      ...fields.map(([name, value]) => ({ name, value })),
      { name: file.name, filename: file.filename, contentType: file.type, size: file.bytes.length, open: chunked(file.bytes, 65536) },
    ];
    const body = multipartBody(parts, '----artdag-test-boundary');
    const ours = await bytesOf(body.stream());
    expect(ours.equals(await formDataBytes(fields, file, '----artdag-test-boundary'))).toBe(true);
    expect(body.length).toBe(ours.length);
    expect(body.contentType).toBe('multipart/form-data; boundary=----artdag-test-boundary');
  });

  it('parses with busboy into the fields, then the file with its name, type and bytes', async () => {
    const bytes = randomBytes(100_000);
    const body = multipartBody([
      ...fields.map(([name, value]) => ({ name, value })),
      { name: 'file', filename: 'clip.mp4', contentType: 'video/mp4', size: bytes.length, open: chunked(bytes, 4096) },
    ]);
    const seen: string[] = [];
    const values: Record<string, string> = {};
    let received = Buffer.alloc(0);
    let info: Busboy.FileInfo | undefined;
    await new Promise<void>((resolve, reject) => {
      const busboy = Busboy({ headers: { 'content-type': body.contentType } });
      busboy.on('field', (name, value) => {
        seen.push(name);
        values[name] = value;
      });
      busboy.on('file', (name, stream, fileInfo) => {
        seen.push(name);
        info = fileInfo;
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => (received = Buffer.concat(chunks)));
      });
      busboy.on('close', resolve);
      busboy.on('error', reject);
      Readable.fromWeb(body.stream() as import('node:stream/web').ReadableStream).pipe(busboy);
    });
    expect(seen).toEqual(['name', 'asset_type', 'tags', 'description', 'content_hash', 'file']);
    expect(values.description).toBe('two lines\r\nwith "quotes" and é\r\nand a lone \r\n');
    expect(info).toMatchObject({ filename: 'clip.mp4', mimeType: 'video/mp4' });
    expect(received.equals(bytes)).toBe(true);
  });

  it('reads the file only as the stream is consumed, reporting each chunk', async () => {
    let opened = 0;
    const bytes = randomBytes(10_000);
    const body = multipartBody([
      {
        name: 'file',
        filename: 'f',
        contentType: 'application/octet-stream',
        size: bytes.length,
        open: () => {
          opened++;
          return chunked(bytes, 1000)();
        },
      },
    ]);
    const reported: number[] = [];
    const stream = body.stream((n) => reported.push(n));
    expect(opened).toBe(0);
    await bytesOf(stream);
    expect(opened).toBe(1);
    expect(reported).toEqual(Array(10).fill(1000));
  });

  it('fails when the file does not have the size it was measured at', async () => {
    const body = multipartBody([
      { name: 'file', filename: 'shrunk.bin', contentType: 'application/octet-stream', size: 10, open: chunked(Buffer.alloc(7), 7) },
    ]);
    await expect(bytesOf(body.stream())).rejects.toThrow('shrunk.bin changed while it was being sent (7 bytes, expected 10)');
  });
});

describe('sending the body', () => {
  it('streams it half-duplex with redirects refused, so fetch never clones (and buffers) the upload', async () => {
    let init: RequestInit & { duplex?: string } = {};
    const api = new ApiClient('http://l2.test', 'token', (async (_url: string, given: RequestInit) => {
      init = given;
      return new Response('{}', { status: 201 });
    }) as typeof fetch);
    const body = multipartBody([{ name: 'name', value: 'x' }]);
    await api.send('POST', '/assets', {
      body: body.stream(),
      headers: { 'content-type': body.contentType, 'content-length': String(body.length) },
    });
    expect(init).toMatchObject({ method: 'POST', duplex: 'half', redirect: 'error' });
    expect(new Headers(init.headers).get('content-length')).toBe(String(body.length));
  });
});
