// Liveness (/health) and readiness (/ready: database and Temporal both answer).
import type { AppRouter } from '../../context.js';
import type { ReadinessService } from '../../../services/readiness-service.js';

export function healthRoutes(router: AppRouter, readiness: ReadinessService): void {
  router.get('/health', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });
  router.get('/ready', async (ctx) => {
    const result = await readiness.check();
    ctx.set('Cache-Control', 'no-store');
    ctx.status = result.status === 'ok' ? 200 : 503;
    ctx.body = result;
  });
}
