// The Koa application: middleware in the order that matters, then every area's routes.
import path from 'node:path';
import Router from '@koa/router';
import Koa from 'koa';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Services } from '../services/index.js';
import type { AppState } from './context.js';
import { authenticate } from './middleware/authenticate.js';
import { bodyParser } from './middleware/body-parser.js';
import { csrf } from './middleware/csrf.js';
import { htmlPage } from './middleware/html-page.js';
import { rateLimit } from './middleware/rate-limit.js';
import { errorHandler } from './middleware/error-handler.js';
import { requestId } from './middleware/request-id.js';
import { requestLog } from './middleware/request-log.js';
import { securityHeaders } from './middleware/security-headers.js';
import { storageRoutes } from './routes/storage/storage.routes.js';
import { renderersRoutes } from './routes/renderers/renderers.routes.js';
import { deviceRoutes } from './routes/auth/device.routes.js';
import { ClientBundle, downloadRoutes } from './routes/download/download.routes.js';
import { anchorsRoutes } from './routes/anchors/anchors.routes.js';
import { activitiesRoutes } from './routes/activities/activities.routes.js';
import { assetsRoutes } from './routes/assets/assets.routes.js';
import { jobsRoutes } from './routes/assets/jobs.routes.js';
import { actorsRoutes } from './routes/federation/actors.routes.js';
import { usersRoutes } from './routes/users/users.routes.js';
import { adminRoutes } from './routes/admin/admin.routes.js';
import { inboxRoutes } from './routes/federation/inbox.routes.js';
import { wellKnownRoutes } from './routes/federation/well-known.routes.js';
import { authPages } from './routes/auth/auth.pages.js';
import { authRoutes } from './routes/auth/auth.routes.js';
import { healthRoutes } from './routes/health/health.routes.js';
import { metricsRoutes } from './routes/metrics/metrics.routes.js';
import { httpMetrics } from '../metrics/http-metrics.js';
import { Metrics } from '../metrics/metrics.js';
import { stateSources } from '../metrics/state-sources.js';
import { homeRoutes } from './routes/home/home.routes.js';
import { staticRoutes } from './routes/static/static.routes.js';
import { docsRoutes } from './routes/docs/docs.routes.js';
import { Views } from './views.js';
import type { WebAssets } from './web-assets.js';

export interface AppDeps {
  config: Config;
  logger: Logger;
  services: Services;
  webAssets: WebAssets;
  /** The process's metrics (runtime.ts gives one that also asks Temporal); made here when absent. */
  metrics?: Metrics;
}

export function createApp({ config, logger, services, webAssets, metrics: given }: AppDeps): Koa<AppState> {
  const app = new Koa<AppState>({ proxy: config.trustProxy });
  const instance = { domain: config.domain, publicUrl: config.publicUrl };
  const views = new Views(instance, webAssets);

  const metrics = given ?? new Metrics(stateSources({ repos: services.repos, temporal: null, taskQueue: config.temporal.taskQueue }));

  app.use(requestId());
  app.use(httpMetrics(metrics));
  app.use(requestLog(logger));
  app.use(errorHandler(logger, views));
  app.use(securityHeaders({ https: config.publicUrl.startsWith('https:'), formTargets: config.l1Servers }));
  app.use(bodyParser(config.bodyLimitBytes));
  app.use(authenticate(services.sessions));
  app.use(htmlPage());
  app.use(csrf());
  app.use(rateLimit(services.repos.rateLimits, { ...config.rateLimits, trustProxy: config.trustProxy }));

  // One router for every area: a request is matched once, not once per area.
  const router = new Router<AppState>();
  healthRoutes(router, services.readiness);
  metricsRoutes(router, { metrics, token: config.metricsToken });
  staticRoutes(router, webAssets);
  docsRoutes(router, { views, publicUrl: config.publicUrl });
  homeRoutes(router, { services, views, instance });
  authRoutes(router, { accounts: services.accounts, sessions: services.sessions, renderers: services.renderers, instance });
  authPages(router, { accounts: services.accounts, sessions: services.sessions, renderers: services.renderers, views });
  jobsRoutes(router, { services, config });
  assetsRoutes(router, { services, views, maxContentBytes: config.maxContentBytes });
  activitiesRoutes(router, { services, views });
  wellKnownRoutes(router, { services });
  usersRoutes(router, { services, views });
  actorsRoutes(router, { services, views });
  inboxRoutes(router, { services });
  anchorsRoutes(router, { services, views });
  storageRoutes(router, { services, views });
  renderersRoutes(router, { renderers: services.renderers, views });
  deviceRoutes(router, { deviceAuth: services.deviceAuth, views });
  adminRoutes(router, { services, views, temporalUiUrl: config.temporalUiUrl, temporalNamespace: config.temporal.namespace });
  downloadRoutes(router, {
    bundle: new ClientBundle(path.join(config.dataDir, 'client', 'artdag.mjs')),
    views,
    publicUrl: config.publicUrl,
  });
  app.use(router.routes()).use(router.allowedMethods());

  // Koa's default 'error' event would print stack traces for errors we already handled and logged.
  app.on('error', (err: unknown) => logger.debug({ err }, 'koa error event'));
  return app;
}
