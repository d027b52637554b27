// The home page: what this instance is, how much it holds, and its newest assets and activities (HTML for
// browsers; clients get the same counts as JSON).
import type { Services } from '../../../services/index.js';
import type { AppRouter } from '../../context.js';
import { wantsHtml } from '../../negotiate.js';
import { activitySummary } from '../../pages/activity-summary.js';
import type { Views } from '../../views.js';

const RECENT = 8;

export function homeRoutes(
  router: AppRouter,
  deps: {
    services: Services;
    views: Views;
    instance: { domain: string; publicUrl: string };
  },
): void {
  const { repos, assets } = deps.services;

  router.get('/', async (ctx) => {
    ctx.vary('Accept');
    if (!wantsHtml(ctx)) {
      const counts = await repos.stats.counts();
      ctx.body = { software: 'artdag-l2', domain: deps.instance.domain, url: deps.instance.publicUrl, counts };
      return;
    }
    const [counts, recentAssets, recentActivities] = await Promise.all([
      repos.stats.withAnchors(),
      repos.assets.list({ limit: RECENT }),
      repos.activities.list({ limit: RECENT }),
    ]);
    await deps.views.page(ctx, 'pages/home', {
      title: 'Home',
      counts,
      assets: recentAssets.map((row) => assets.view(row)),
      activities: recentActivities.map((row) => activitySummary(row, deps.instance)),
    });
  });
}
