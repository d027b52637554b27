// The API description: the OpenAPI 3.1 document at /openapi.json and the interactive reference at /docs, whose
// Swagger UI files are served from the npm package under /docs/assets/.
import type { AppRouter } from '../../context.js';
import { openApiDocument } from '../../openapi/document.js';
import type { Views } from '../../views.js';
import { DocsAssets } from './docs-assets.js';

export function docsRoutes(router: AppRouter, deps: { views: Views; publicUrl: string }): void {
  const assets = new DocsAssets();

  router.get('/openapi.json', (ctx) => {
    const { json, etag } = openApiDocument(deps.publicUrl);
    // Public by design: tools on other origins (editors, client generators) may read it.
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.set('Cache-Control', 'no-cache');
    ctx.status = 200;
    ctx.etag = etag;
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
    ctx.type = 'application/json; charset=utf-8';
    ctx.body = json;
  });

  router.get('/docs', async (ctx) => {
    await deps.views.page(ctx, 'pages/api-docs', {
      title: 'API documentation',
      docs: {
        spec: '/openapi.json',
        swaggerCss: assets.url('swagger-ui.css'),
        swaggerJs: assets.url('swagger-ui-bundle.js'),
        css: assets.url('docs.css'),
        init: assets.url('docs-init.js'),
        favicon: assets.url('favicon-32x32.png'),
      },
    });
  });

  router.get('/docs/assets/:file', (ctx) => {
    const asset = assets.get(ctx.params.file!);
    if (!asset) return;
    // Links carry the content hash (?v=), so a cached copy is never stale.
    ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
    ctx.vary('Accept-Encoding');
    ctx.type = asset.type;
    if (asset.gzip && ctx.acceptsEncodings('gzip', 'identity') === 'gzip') {
      ctx.set('Content-Encoding', 'gzip');
      ctx.body = asset.gzip;
    } else {
      ctx.body = asset.body;
    }
  });
}
