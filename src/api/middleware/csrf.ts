// CSRF protection: browsers and cookie-authenticated callers must echo the token from the artdag_csrf cookie.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import { Forbidden } from '../../domain/errors.js';
import type { AppContext, AppState } from '../context.js';
import { CSRF_COOKIE, cookieOptions } from '../cookies.js';
import { wantsHtml } from '../negotiate.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;
const FORM_TYPES = /^(application\/x-www-form-urlencoded|multipart\/form-data|text\/plain)/i;

function presentedToken(ctx: AppContext): string {
  const header = ctx.get('X-CSRF-Token');
  if (header) return header;
  const body = ctx.request.body as Record<string, unknown> | undefined;
  const field = body && typeof body === 'object' ? body._csrf : ctx.query._csrf;
  // Multipart uploads are streamed, not parsed here: their forms put the token in the query string.
  return typeof field === 'string' ? field : '';
}

/** A request needs the token when ambient credentials or a browser form could have been forged cross-site. */
function needsToken(ctx: AppContext): boolean {
  if (ctx.state.authSource === 'cookie') return true;
  const fromBrowser = Boolean(ctx.get('Origin') || ctx.get('Sec-Fetch-Site') || ctx.get('Cookie'));
  return fromBrowser && FORM_TYPES.test(ctx.get('Content-Type'));
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function csrf(): Middleware<AppState> {
  return async (ctx, next) => {
    const existing = ctx.cookies.get(CSRF_COOKIE);
    const valid = existing !== undefined && TOKEN_SHAPE.test(existing);
    if (!SAFE_METHODS.has(ctx.method) && needsToken(ctx)) {
      if (!valid || !sameToken(presentedToken(ctx), existing)) {
        throw new Forbidden('Missing or invalid CSRF token: reload the page and submit the form again.', 'csrf_failed');
      }
    }
    if (valid) {
      ctx.state.csrfToken = existing;
    } else if (ctx.state.pageRequest || (!SAFE_METHODS.has(ctx.method) && wantsHtml(ctx))) {
      // Only pages carry forms; API callers never get (or pay for) a token.
      ctx.state.csrfToken = randomBytes(32).toString('base64url');
      ctx.cookies.set(CSRF_COOKIE, ctx.state.csrfToken, cookieOptions(ctx));
    } else {
      ctx.state.csrfToken = '';
    }
    await next();
  };
}
