// Reads JSON and form bodies with a size cap, keeping the exact bytes (signatures need them); other types stream on.
import type { Middleware } from 'koa';
import { BadRequest, PayloadTooLarge, UnsupportedMediaType } from '../../domain/errors.js';
import type { AppState } from '../context.js';

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

type Kind = 'json' | 'form';

function kindOf(contentType: string): Kind | null {
  const mime = contentType.split(';')[0]!.trim().toLowerCase();
  if (mime === 'application/json' || (mime.startsWith('application/') && mime.endsWith('+json'))) return 'json';
  if (mime === 'application/x-www-form-urlencoded') return 'form';
  return null;
}

function charsetOf(contentType: string): string | null {
  const match = /;\s*charset="?([^";]+)"?/i.exec(contentType);
  return match ? match[1]!.toLowerCase() : null;
}

async function readLimited(stream: NodeJS.ReadableStream, declared: number | null, limit: number): Promise<Buffer> {
  if (declared !== null && declared > limit) throw new PayloadTooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) throw new PayloadTooLarge(limit);
    chunks.push(buf);
  }
  return Buffer.concat(chunks, size);
}

export function parseForm(text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const prev = out[key];
    if (prev === undefined) out[key] = value;
    else out[key] = Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

/** Whether any string (key or value) in a parsed body holds U+0000; iterative, as bodies may nest deeply. */
function hasNul(body: unknown): boolean {
  const pending: unknown[] = [body];
  while (pending.length) {
    const value = pending.pop();
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return true;
    } else if (Array.isArray(value)) {
      for (const item of value) pending.push(item);
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        if (key.includes('\u0000')) return true;
        pending.push(item);
      }
    }
  }
  return false;
}

export function bodyParser(limitBytes: number): Middleware<AppState> {
  return async (ctx, next) => {
    const contentType = ctx.get('Content-Type');
    const kind = METHODS_WITH_BODY.has(ctx.method) && contentType ? kindOf(contentType) : null;
    if (kind) {
      const charset = charsetOf(contentType);
      if (charset && charset !== 'utf-8' && charset !== 'utf8') {
        throw new UnsupportedMediaType(`Charset "${charset}" is not supported; send UTF-8.`);
      }
      const declared = ctx.get('Content-Length') ? Number(ctx.get('Content-Length')) : null;
      let raw: Buffer;
      try {
        raw = await readLimited(ctx.req, declared, limitBytes);
      } catch (err) {
        // Stop reading an oversized upload and close the connection once we have answered.
        if (err instanceof PayloadTooLarge) ctx.set('Connection', 'close');
        throw err;
      }
      ctx.request.rawBody = raw;
      const text = raw.toString('utf8');
      if (kind === 'json') {
        if (text.trim() === '') throw new BadRequest('Request body is empty; send a JSON object.', undefined, 'invalid_json');
        try {
          ctx.request.body = JSON.parse(text) as unknown;
        } catch (err) {
          throw new BadRequest(`Request body is not valid JSON: ${(err as Error).message}`, undefined, 'invalid_json');
        }
      } else {
        ctx.request.body = parseForm(text);
      }
      // Refused here, for every route alike: Postgres cannot store NUL in text, and a workflow would fail on it later.
      // JSON can only spell NUL as the escape \u0000 and a form as %00, so most bodies skip the walk.
      const mayHoldNul = kind === 'json' ? text.includes('\\u0000') : text.includes('%00') || text.includes('\0');
      if (mayHoldNul && hasNul(ctx.request.body)) {
        throw new BadRequest('Text in the request body must not contain NUL (\\u0000) characters.', undefined, 'invalid_text');
      }
    }
    await next();
  };
}
