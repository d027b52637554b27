// Shared by the security probes: what the router serves, a fingerprint of every table (to prove a refused request
// wrote nothing), minted credentials for each kind of caller, and the checks that a page shows a payload inert.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type Router from '@koa/router';
import { createApp } from '../../src/api/app.js';
import { HTML_ONLY_ROUTES } from '../../src/api/openapi/html-only-routes.js';
import { API_OPERATIONS } from '../../src/api/openapi/operations/index.js';
import { loadWebAssets } from '../../src/api/web-assets.js';
import type { Db } from '../../src/db/knex.js';
import { createLogger } from '../../src/logger.js';
import type { TestServer } from '../helpers/server.js';

export const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** "METHOD /path" of every route the Koa router serves (HEAD comes with GET). */
export async function routerRoutes(server: TestServer): Promise<string[]> {
  const app = createApp({
    config: server.config,
    logger: createLogger('silent'),
    services: server.runtime.services,
    webAssets: await loadWebAssets(),
  });
  const dispatch = app.middleware.find((m) => (m as { router?: Router }).router) as { router: Router } | undefined;
  if (!dispatch) throw new Error('no router among the app middleware');
  const routes = dispatch.router.stack.flatMap((layer) =>
    layer.methods.filter((m) => m !== 'HEAD').map((method) => `${method} ${String(layer.path)}`),
  );
  return [...new Set(routes)].sort();
}

/** Every route in the registries: the OpenAPI operations (JSON) and the HTML-only list. */
export function registeredRoutes(): string[] {
  return [...API_OPERATIONS.map((op) => `${op.method.toUpperCase()} ${op.path}`), ...HTML_ONLY_ROUTES].sort();
}

export const isUnsafe = (route: string) => UNSAFE.has(route.split(' ')[0]!);

/** Per table: row count and a digest of every row, so an UPDATE shows up as well as an INSERT or DELETE. */
export async function fingerprint(db: Db): Promise<Map<string, string>> {
  const tables = (
    await db('information_schema.tables')
      .select('table_name')
      .where({ table_schema: 'public', table_type: 'BASE TABLE' })
      .whereNot('table_name', 'like', 'knex_%')
  ).map((r: { table_name: string }) => r.table_name);
  const parts = tables.map(
    (t) => `SELECT '${t}' AS t, count(*)::text || ':' || md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS f FROM "${t}" x`,
  );
  const rows = (await db.raw(parts.join(' UNION ALL '))).rows as { t: string; f: string }[];
  return new Map(rows.map((r) => [r.t, r.f]));
}

/** The tables whose fingerprint differs. */
export function changedTables(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...new Set([...before.keys(), ...after.keys()])].filter((t) => before.get(t) !== after.get(t)).sort();
}

/** A fresh session token, as POST /auth/login would issue (without paying for a password hash). */
export async function sessionToken(server: TestServer, username: string): Promise<string> {
  return (await server.runtime.services.sessions.issue(username)).token;
}

export function operatorPassword(server: TestServer): string {
  return fs.readFileSync(path.join(server.config.dataDir, 'secrets', 'operator-password'), 'utf8').trim();
}

/** A CSRF token of the shape the middleware accepts (double-submit: the cookie and the field must match). */
export const csrfToken = () => randomBytes(32).toString('base64url');

/** Headers of a browser holding `session` (or none) and a CSRF cookie; forms carry `_csrf` = csrf. */
export function browserHeaders(session: string | null, csrf: string): Record<string, string> {
  const cookies = [`artdag_csrf=${csrf}`, ...(session ? [`artdag_session=${session}`] : [])];
  return { ...HTML, cookie: cookies.join('; ') };
}

// Stored XSS payloads (the brief's four); `javascript:` has no markup to escape, so it is checked in URL attributes.
export const MARKUP_PAYLOADS = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', '</textarea><svg onload=alert(1)>'];
export const JS_URL = 'javascript:alert(1)';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** What in `html` shows a payload live: raw markup payloads, or a javascript: URL in a URL-bearing attribute. */
export function livePayloads(html: string): string[] {
  const found: string[] = MARKUP_PAYLOADS.filter((p) => html.includes(p));
  // Also the payloads' active parts on their own, in case a template trims or splits the text around them.
  for (const fragment of ['<script>alert', '<img src=x', '<svg onload', '</textarea><svg']) {
    if (html.includes(fragment) && !found.some((p) => p.includes(fragment))) found.push(fragment);
  }
  const jsUrl = /\b(href|src|action|formaction|xlink:href|data|poster|hx-get|hx-post)\s*=\s*["']?\s*javascript:/gi;
  for (const match of html.matchAll(jsUrl)) found.push(match[0]);
  return found;
}
