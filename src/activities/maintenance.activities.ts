// Housekeeping activities: purge revocations of tokens that have expired anyway; restart stranded deliveries.
import type { Repositories } from '../db/repositories/index.js';
import type { DeliveryService } from '../services/delivery-service.js';

export function createMaintenanceActivities(deps: { repos: Repositories; delivery: DeliveryService }) {
  return {
    async sweepStrandedDeliveries(): Promise<{ restarted: number }> {
      return { restarted: await deps.delivery.sweep() };
    },

    async purgeExpiredRevocations(): Promise<{ purged: number }> {
      return { purged: await deps.repos.revokedTokens.purgeExpired(new Date()) };
    },
  };
}
