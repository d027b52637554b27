// Telling L1s what L2 decided (a detached renderer, a logged-out user): signed POSTs, each outcome recorded.
import type { L1Client } from '../clients/l1-client.js';
import type { Repositories } from '../db/repositories/index.js';
import type { KeysService } from '../services/keys-service.js';

export interface NotifyL1 {
  kind: 'revoke' | 'revoke-user';
  reference: string;
  l1: string;
  username: string;
}

export function createRendererActivities(deps: {
  repos: Repositories;
  l1: L1Client;
  keys: KeysService;
  operatorUser: string;
  l2Server: string;
}) {
  const { repos } = deps;
  return {
    /** 'refused' when the L1 answered with a definite no (a 4xx): retrying would not change its mind. */
    async notifyL1(input: NotifyL1): Promise<'done' | 'refused'> {
      const notification = await repos.renderers.notification(input.kind, input.reference, input.l1);
      if (!notification || notification.status === 'done') return 'done';
      const operator = await repos.users.findByUsername(deps.operatorUser);
      if (!operator) throw new Error(`the operator account "${deps.operatorUser}" does not exist`);
      const key = await deps.keys.signingKey(operator);
      let outcome: 'done' | 'refused';
      try {
        outcome = await deps.l1.notify(
          input.l1,
          input.kind,
          { username: input.username, l2_server: deps.l2Server, reference: input.reference },
          key,
        );
      } catch (err) {
        await repos.renderers.recordNotification(notification.id, 'pending', (err as Error).message);
        throw err;
      }
      await repos.renderers.recordNotification(
        notification.id,
        outcome === 'done' ? 'done' : 'failed',
        outcome === 'done' ? null : `${input.l1} refused the ${input.kind} request`,
      );
      return outcome;
    },

    async markNotificationFailed(input: NotifyL1 & { error: string }): Promise<void> {
      const notification = await repos.renderers.notification(input.kind, input.reference, input.l1);
      if (notification && notification.status === 'pending')
        await repos.renderers.recordNotification(notification.id, 'failed', input.error);
    },
  };
}
