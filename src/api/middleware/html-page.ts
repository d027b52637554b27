// The browser-only work, done only for page loads: a GET that accepts text/html, on a path that can be a page.
// There a stale session cookie is dropped silently (the page renders signed out instead of failing) and the
// navigation knows who is signed in. API, ActivityPub, content, proof and proxy requests never pay for either.
import type { Middleware } from 'koa';
import type { AppContext, AppState } from '../context.js';
import { SESSION_COOKIE, cookieOptions } from '../cookies.js';
import { wantsHtml } from '../negotiate.js';

/** Paths that never render a page, whatever the Accept header says. */
const NOT_PAGES = [
  /^\/static\//,
  /^\/\.well-known\//,
  /^\/nodeinfo\//,
  /^\/auth\//,
  /^\/(health|ready|metrics|inbox|openapi\.json)$/,
  /^\/users\/[^/]+\/inbox$/,
  /^\/objects\//,
  /^\/assets\/[^/]+\/content$/,
  /^\/(activities|anchors)\/[^/]+\/(ots|tree)$/,
  /^\/download\/client\/.+/,
];

export function isPageRequest(ctx: AppContext): boolean {
  return (ctx.method === 'GET' || ctx.method === 'HEAD') && !NOT_PAGES.some((re) => re.test(ctx.path)) && wantsHtml(ctx);
}

export function htmlPage(): Middleware<AppState> {
  return async (ctx, next) => {
    ctx.state.pageRequest = isPageRequest(ctx);
    if (ctx.state.pageRequest && ctx.state.authSource === 'cookie') {
      const session = await ctx.state.session().catch(() => null);
      if (!session) {
        // Expired, revoked or forged: forget it, and let the page decide whether it needs a login.
        ctx.cookies.set(SESSION_COOKIE, null, cookieOptions(ctx));
        ctx.state.session = () => Promise.resolve(null);
        ctx.state.authSource = null;
      }
    }
    await next();
  };
}
