// Our own static files (stylesheet, scripts), read once at start and served with validators.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AppRouter } from '../../context.js';

const publicDir = fileURLToPath(new URL('../../../../public/', import.meta.url));

const FILES: Record<string, string> = { 'app.css': 'text/css; charset=utf-8' };

export function staticRoutes(router: AppRouter): void {
  for (const [name, type] of Object.entries(FILES)) {
    const body = readFileSync(publicDir + name);
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    router.get(`/static/${name}`, (ctx) => {
      ctx.set('Cache-Control', 'public, max-age=3600');
      ctx.status = 200;
      ctx.etag = etag;
      if (ctx.fresh) {
        ctx.status = 304;
        return;
      }
      ctx.type = type;
      ctx.body = body;
    });
  }
}
