// Keyset paging in both directions for lists shown newest first: `cursor` asks for older rows, `after` for the
// newer page before it. One extra row is fetched so a link is offered only when there is something behind it.
import { decodeCursor, encodeCursor } from '../pagination.js';

export interface KeysetQuery {
  limit: number;
  cursor?: string;
  after?: string;
}

/** What the repository is asked for: one row more than the page shows. */
export interface KeysetBounds {
  limit: number;
  beforeId?: number;
  afterId?: number;
}

export interface KeysetPage<T> {
  rows: T[];
  /** Cursor for the older page (`cursor=`), null at the end. */
  older: string | null;
  /** Cursor for the newer page (`after=`), null on the first page. */
  newer: string | null;
}

export function keysetBounds(query: KeysetQuery): KeysetBounds {
  const beforeId = decodeCursor(query.cursor);
  // A cursor wins over `after` when both are sent: the repository does the same.
  const afterId = beforeId === undefined ? decodeCursor(query.after) : undefined;
  return { limit: query.limit + 1, beforeId, afterId };
}

/** Trims the extra row and works out the links; rows arrive newest first, as the repositories return them. */
export function keysetPage<T extends { id: number }>(rows: T[], query: KeysetQuery, bounds: KeysetBounds): KeysetPage<T> {
  const more = rows.length > query.limit;
  if (bounds.afterId !== undefined) {
    // Asked for newer rows: the extra one is the newest, and there are always older ones (the cursor's own row).
    const page = more ? rows.slice(1) : rows;
    const older = page.length ? encodeCursor(page[page.length - 1]!.id) : null;
    return { rows: page, older, newer: more ? encodeCursor(page[0]!.id) : null };
  }
  const page = more ? rows.slice(0, query.limit) : rows;
  const older = more ? encodeCursor(page[page.length - 1]!.id) : null;
  let newer: string | null = null;
  if (bounds.beforeId !== undefined) newer = encodeCursor(page.length ? page[0]!.id : bounds.beforeId - 1);
  return { rows: page, older, newer };
}
