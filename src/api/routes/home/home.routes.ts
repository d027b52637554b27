// The home page: what this instance is and how much it holds (HTML for browsers, JSON for clients).
import Router from '@koa/router';
import type { StatsRepository } from '../../../db/repositories/stats-repository.js';
import type { AppState } from '../../context.js';
import { wantsHtml } from '../../negotiate.js';
import type { Views } from '../../views.js';

export function homeRoutes(deps: {
  stats: StatsRepository;
  views: Views;
  instance: { domain: string; publicUrl: string };
}): Router<AppState> {
  const router = new Router<AppState>();
  router.get('/', async (ctx) => {
    const counts = await deps.stats.counts();
    ctx.vary('Accept');
    if (wantsHtml(ctx)) return deps.views.page(ctx, 'pages/home', { title: 'Home', counts });
    ctx.body = { software: 'artdag-l2', domain: deps.instance.domain, url: deps.instance.publicUrl, counts };
  });
  return router;
}
