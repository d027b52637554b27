// Paged OrderedCollections (Mastodon-style max_id/min_id cursors over descending ids).
import { AS_CONTEXT } from '../domain/activity-streams.js';

export interface PageQuery {
  page: boolean;
  maxId?: number;
  minId?: number;
}

export function parsePageQuery(query: Record<string, unknown>): PageQuery {
  const num = (v: unknown) => (typeof v === 'string' && /^\d{1,15}$/.test(v) ? Number(v) : undefined);
  return {
    page: query.page !== undefined || query.max_id !== undefined || query.min_id !== undefined,
    maxId: num(query.max_id),
    minId: num(query.min_id),
  };
}

export function collection(id: string, totalItems: number): Record<string, unknown> {
  return { '@context': AS_CONTEXT, id, type: 'OrderedCollection', totalItems, first: `${id}?page=true`, last: `${id}?page=true&min_id=0` };
}

/** A page of items (newest first); `rows` carries the cursor ids of the items in the same order. */
export function collectionPage(
  id: string,
  query: PageQuery,
  rows: { id: number; item: unknown }[],
  limit: number,
): Record<string, unknown> {
  const page: Record<string, unknown> = {
    '@context': AS_CONTEXT,
    id: `${id}?page=true${query.maxId !== undefined ? `&max_id=${query.maxId}` : ''}${query.minId !== undefined ? `&min_id=${query.minId}` : ''}`,
    type: 'OrderedCollectionPage',
    partOf: id,
    orderedItems: rows.map((r) => r.item),
  };
  if (rows.length > 0) {
    if (rows.length === limit || query.minId !== undefined) page.next = `${id}?page=true&max_id=${rows[rows.length - 1]!.id}`;
    page.prev = `${id}?page=true&min_id=${rows[0]!.id}`;
  }
  return page;
}
