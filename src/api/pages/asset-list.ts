// The /assets list for browsers: the filter form's values as typed, errors by field, and paging links that keep
// the filters. Also whether a request is HTMX asking for the results region only.
import type { ParsedUrlQuery } from 'node:querystring';
import { ASSET_TYPES } from '../../domain/asset-rules.js';
import type { AssetView } from '../../services/asset-view.js';
import type { AppContext } from '../context.js';
import type { FieldIssue } from '../validate.js';
import type { KeysetPage } from './keyset-page.js';

const FILTERS = ['q', 'asset_type', 'tag', 'owner', 'limit'] as const;
export type FilterValues = Partial<Record<(typeof FILTERS)[number], string>>;

/** Form fields left empty are sent as `name=`: they mean "no filter", not an invalid value. */
export function withoutBlanks(query: ParsedUrlQuery): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') out[key] = value;
  return out;
}

/** The filters as the user typed them (first value of each), to refill the form and build links. */
export function filterValues(query: ParsedUrlQuery): FilterValues {
  const out: FilterValues = {};
  for (const key of FILTERS) {
    const value = query[key];
    const first = Array.isArray(value) ? value[0] : value;
    if (first) out[key] = first;
  }
  return out;
}

export function listHref(filters: FilterValues, page: { cursor?: string; after?: string } = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...filters, ...page })) if (value) params.set(key, value);
  const search = params.toString();
  return search ? `/assets?${search}` : '/assets';
}

/** HTMX swapping the results region (not a history restore, which needs the whole page). */
export function wantsResultsFragment(ctx: AppContext): boolean {
  return ctx.get('HX-Request') === 'true' && !ctx.get('HX-History-Restore-Request');
}

export function errorsByField(issues: FieldIssue[]): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of issues) errors[issue.path.split('.')[0]!] ??= issue.message;
  return errors;
}

/** Everything the page and its results fragment show. */
export function assetListModel(filters: FilterValues, page: KeysetPage<AssetView> | null, errors: Record<string, string> = {}) {
  const filtered = Boolean(filters.q || filters.asset_type || filters.tag || filters.owner);
  return {
    title: 'Assets',
    filters,
    errors,
    types: ASSET_TYPES,
    filtered,
    items: page?.rows ?? [],
    olderHref: page?.older ? listHref(filters, { cursor: page.older }) : null,
    newerHref: page?.newer ? listHref(filters, { after: page.newer }) : null,
    firstHref: listHref(filters),
  };
}
