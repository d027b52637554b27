// createActivities(deps): every activity the worker registers, built from injected dependencies.
import type { Services } from '../services/index.js';
import { createMaintenanceActivities } from './maintenance.activities.js';

export interface ActivityDeps {
  services: Services;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createMaintenanceActivities({ repos: deps.services.repos }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
