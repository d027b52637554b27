// GET /metrics: Prometheus text exposition (format 0.0.4). Readable with METRICS_TOKEN as a Bearer token (what
// a scraper holds) or by the operator's session; the numbers describe the whole server, so nobody else sees them.
import { createHash, timingSafeEqual } from 'node:crypto';
import { Forbidden, Unauthorized } from '../../../domain/errors.js';
import type { Metrics } from '../../../metrics/metrics.js';
import type { AppContext, AppRouter } from '../../context.js';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** Equal secrets, compared in constant time (digests first, so the lengths cannot differ). */
function sameSecret(presented: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

async function authorizeScrape(ctx: AppContext, token: string | undefined): Promise<void> {
  const presented = BEARER.exec(ctx.get('Authorization'))?.[1];
  if (token && presented && sameSecret(presented, token)) return;
  const session = await ctx.state.session();
  if (!session) throw new Unauthorized('Send METRICS_TOKEN as a Bearer token, or sign in as the operator.', 'metrics_unauthorized');
  if (!session.user.is_operator)
    throw new Forbidden('Metrics are for the operator of this server and scrapers holding METRICS_TOKEN.', 'not_operator');
}

export function metricsRoutes(router: AppRouter, deps: { metrics: Metrics; token: string | undefined }): void {
  router.get('/metrics', async (ctx) => {
    await authorizeScrape(ctx, deps.token);
    const body = await deps.metrics.render();
    ctx.set('Cache-Control', 'no-store');
    ctx.type = deps.metrics.contentType;
    ctx.body = body;
  });
}
