// Multipart POST /assets: the file streams into the server's store with its SHA3-256 computed on the way
// (bounded memory, any size up to MAX_CONTENT_BYTES); the form's other fields describe the asset.
import Busboy from 'busboy';
import type { Readable } from 'node:stream';
import { BadRequest, PayloadTooLarge } from '../../../domain/errors.js';
import type { StoredObject } from '../../../storage/storage-provider.js';
import type { LocalStorageProvider } from '../../../storage/local-provider.js';
import type { AppContext } from '../../context.js';

export interface Upload {
  fields: Record<string, string | string[]>;
  /** Null when the form had no file (a browser sends an empty part without a filename for an empty file input). */
  stored: StoredObject | null;
  mediaType: string | null;
  filename: string | null;
}

export async function receiveUpload(
  ctx: AppContext,
  store: LocalStorageProvider,
  maxBytes: number,
  expectedHash: (fields: Upload['fields']) => string | undefined,
  /** Filled as fields arrive, so a caller still has them when the upload fails (to re-render a form). */
  fields: Upload['fields'] = {},
): Promise<Upload> {
  const declared = Number(ctx.get('Content-Length') || 0);
  if (declared > maxBytes + 1024 * 1024) throw new PayloadTooLarge(maxBytes);
  let busboy: Busboy.Busboy;
  try {
    busboy = Busboy({ headers: ctx.req.headers, limits: { files: 1, fields: 50, fieldSize: 64 * 1024, fileSize: maxBytes } });
  } catch (err) {
    throw new BadRequest(`The multipart body cannot be read: ${(err as Error).message}`, undefined, 'invalid_multipart');
  }
  return await new Promise<Upload>((resolve, reject) => {
    let pending: Promise<Upload> | null = null;
    busboy.on('field', (name, value) => {
      const prev = fields[name];
      fields[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
    });
    busboy.on('file', (_name, file: Readable, info) => {
      if (!info.filename) {
        file.resume();
        return;
      }
      let truncated = false;
      file.on('limit', () => {
        truncated = true;
        file.destroy(new PayloadTooLarge(maxBytes));
      });
      pending = store.put(file, { expectedHash: expectedHash(fields), maxBytes }).then((stored) => {
        if (truncated) throw new PayloadTooLarge(maxBytes);
        return {
          fields,
          stored,
          mediaType: info.mimeType && info.mimeType !== 'application/octet-stream' ? info.mimeType : null,
          filename: info.filename ?? null,
        };
      });
      pending.catch((err: unknown) => {
        // Answer now; the rest of the body is drained, and the connection closed after the answer.
        ctx.req.unpipe(busboy);
        ctx.req.resume();
        ctx.set('Connection', 'close');
        reject(err);
      });
    });
    busboy.on('error', (err: Error) =>
      reject(new BadRequest(`The multipart body is malformed: ${err.message}`, undefined, 'invalid_multipart')),
    );
    busboy.on('close', () => {
      if (!pending) return resolve({ fields, stored: null, mediaType: null, filename: null });
      pending.then(resolve, reject);
    });
    ctx.req.pipe(busboy);
  });
}
