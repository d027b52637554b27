// Housekeeping activities: purge revocations of tokens that have expired anyway.
import type { Repositories } from '../db/repositories/index.js';

export function createMaintenanceActivities(deps: { repos: Repositories }) {
  return {
    async purgeExpiredRevocations(): Promise<{ purged: number }> {
      return { purged: await deps.repos.revokedTokens.purgeExpired(new Date()) };
    },
  };
}
