// createActivities(deps): every activity the worker registers, built from injected dependencies.
import type { Services } from '../services/index.js';
import { withPermanentErrors } from '../temporal/failures.js';
import { createL1Activities } from './l1.activities.js';
import { createMaintenanceActivities } from './maintenance.activities.js';

export interface ActivityDeps {
  services: Services;
  maxContentBytes: number;
}

export function createActivities(deps: ActivityDeps) {
  const { services } = deps;
  return withPermanentErrors({
    ...createMaintenanceActivities({ repos: services.repos }),
    ...createL1Activities({
      l1: services.l1,
      storage: services.storage,
      sessions: services.sessions,
      assets: services.assets,
      users: services.repos.users,
      maxContentBytes: deps.maxContentBytes,
    }),
  });
}

export type Activities = ReturnType<typeof createActivities>;
