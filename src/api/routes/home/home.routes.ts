// The home page: what this instance is and how much it holds (HTML for browsers, JSON for clients).
import type { StatsRepository } from '../../../db/repositories/stats-repository.js';
import type { AppRouter } from '../../context.js';
import { wantsHtml } from '../../negotiate.js';
import type { Views } from '../../views.js';

export function homeRoutes(
  router: AppRouter,
  deps: {
    stats: StatsRepository;
    views: Views;
    instance: { domain: string; publicUrl: string };
  },
): void {
  router.get('/', async (ctx) => {
    const counts = await deps.stats.counts();
    ctx.vary('Accept');
    if (wantsHtml(ctx)) return deps.views.page(ctx, 'pages/home', { title: 'Home', counts });
    ctx.body = { software: 'artdag-l2', domain: deps.instance.domain, url: deps.instance.publicUrl, counts };
  });
}
