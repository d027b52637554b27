// Counts and times every HTTP request by method, route template and status class. Labels use the router's
// template (/assets/:name), never the raw path, so the number of series stays bounded whatever clients send.
import type { Middleware } from 'koa';
import type { AppState } from '../api/context.js';
import type { Metrics } from './metrics.js';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** The template @koa/router matched (it sets `_matchedRoute`), or one label for everything it did not. */
function routeOf(ctx: { _matchedRoute?: string | RegExp }): string {
  return ctx._matchedRoute === undefined ? 'unmatched' : String(ctx._matchedRoute);
}

export function httpMetrics(metrics: Metrics): Middleware<AppState> {
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    metrics.httpInFlight.inc();
    // Recorded when the response is over, so streamed bodies (content, uploads) count their whole time.
    ctx.res.once('close', () => {
      metrics.httpInFlight.dec();
      const method = METHODS.has(ctx.method) ? ctx.method : 'OTHER';
      const route = routeOf(ctx as { _matchedRoute?: string | RegExp });
      const statusClass = ctx.res.writableFinished ? `${Math.floor(ctx.status / 100)}xx` : 'aborted';
      metrics.httpRequests.inc({ method, route, status_class: statusClass });
      metrics.httpDuration.observe({ method, route }, Number(process.hrtime.bigint() - started) / 1e9);
    });
    await next();
  };
}
