// Our built assets under /static/build/<name>.<hash>.<ext>: the name changes with the content, so they are cached
// for a year and never revalidated.
import type { AppRouter } from '../../context.js';
import type { WebAssets } from '../../web-assets.js';

export function staticRoutes(router: AppRouter, assets: WebAssets): void {
  router.get('/static/build/:file', (ctx) => {
    const asset = assets.files.get(ctx.params.file!);
    if (!asset) return;
    ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
    ctx.type = asset.type;
    ctx.body = asset.body;
  });
}
