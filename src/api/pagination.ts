// Cursor pagination over descending ids: the cursor is an opaque token for "items older than this one".
import { z } from 'zod';
import { BadRequest } from '../domain/errors.js';

export const limitParam = z.coerce
  .number({ error: 'must be a number' })
  .int({ error: 'must be a whole number' })
  .min(1, { error: 'must be at least 1' })
  .max(100, { error: 'must be at most 100' })
  .default(20);

export function encodeCursor(id: number): string {
  return Buffer.from(`id:${id}`).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  const match = /^id:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match)
    throw new BadRequest('Invalid cursor: pass back the next_cursor value from a previous page.', { field: 'cursor' }, 'invalid_cursor');
  return Number(match[1]);
}

/** The next cursor when a full page came back, else null. */
export function nextCursor<T extends { id: number }>(rows: T[], limit: number): string | null {
  return rows.length === limit ? encodeCursor(rows[rows.length - 1]!.id) : null;
}
