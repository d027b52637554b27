// createActivities(deps): every activity the worker registers, built from injected dependencies.
import type { Services } from '../services/index.js';
import { withPermanentErrors } from '../temporal/failures.js';
import { createAnchorActivities } from './anchors.activities.js';
import { createDeliveryActivities } from './delivery.activities.js';
import { createL1Activities } from './l1.activities.js';
import { createRendererActivities } from './renderers.activities.js';
import { createStorageActivities } from './storage.activities.js';
import { createMaintenanceActivities } from './maintenance.activities.js';

export interface ActivityDeps {
  services: Services;
  operatorUser: string;
  maxContentBytes: number;
  unavailableAfterMs: number;
}

export function createActivities(deps: ActivityDeps) {
  const { services } = deps;
  return withPermanentErrors({
    ...createMaintenanceActivities({ repos: services.repos, delivery: services.delivery }),
    ...createL1Activities({
      l1: services.l1,
      storage: services.storage.serverStore,
      sessions: services.sessions,
      assets: services.assets,
      users: services.repos.users,
      maxContentBytes: deps.maxContentBytes,
    }),
    ...createAnchorActivities({ anchors: services.anchors }),
    ...createRendererActivities({
      repos: services.repos,
      l1: services.l1,
      keys: services.keys,
      operatorUser: deps.operatorUser,
      l2Server: services.instance.publicUrl,
    }),
    ...createStorageActivities({ repos: services.repos, storage: services.storage, maxContentBytes: deps.maxContentBytes }),
    ...createDeliveryActivities({
      delivery: services.delivery,
      http: services.http,
      repos: services.repos,
      keys: services.keys,
      unavailableAfterMs: deps.unavailableAfterMs,
    }),
  });
}

export type Activities = ReturnType<typeof createActivities>;
