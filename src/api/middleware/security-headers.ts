// Security headers on every response; the CSP allows only our own scripts and styles.
import type { Middleware } from 'koa';
import type { AppState } from '../context.js';

/**
 * The policy for every page. Forms may post to us and to the L1 servers we trust: attaching a renderer is a form
 * whose answer redirects to the L1's /auth, and browsers apply form-action to every hop of a form's redirects.
 */
export function contentSecurityPolicy(formTargets: readonly string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    `form-action ${["'self'", ...formTargets].join(' ')}`,
    "frame-ancestors 'none'",
  ].join('; ');
}

export function securityHeaders(options: { https: boolean; formTargets?: readonly string[] }): Middleware<AppState> {
  const CSP = contentSecurityPolicy(options.formTargets);
  return async (ctx, next) => {
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Referrer-Policy', 'strict-origin-when-cross-origin');
    ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
    ctx.set('Content-Security-Policy', CSP);
    if (options.https) ctx.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    await next();
  };
}
