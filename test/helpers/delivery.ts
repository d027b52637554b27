// Waits for an activity's delivery to finish: the fan-out, then any per-host retry workflows it started.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Db } from '../../src/db/knex.js';

export async function deliveryFinished(temporal: Client, db: Db, activityUrl: string): Promise<void> {
  await temporal.workflow.getHandle(`deliver:${activityUrl}`).result();
  const row = await db('activities').where({ activity_id: activityUrl }).first();
  const hosts = (await db('deliveries').where({ activity_id: row.id }).distinct('host')).map((r: { host: string }) => r.host);
  await Promise.all(
    hosts.map(async (host) => {
      try {
        await temporal.workflow.getHandle(`deliver:${activityUrl}:${host}`).result();
      } catch (err) {
        // No retry workflow: the first attempt settled every delivery to this host.
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    }),
  );
}
