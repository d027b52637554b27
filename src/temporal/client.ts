// Connects the Temporal client used by the API to start, signal and query workflows.
import { Client, Connection } from '@temporalio/client';

export interface TemporalSettings {
  address: string;
  namespace: string;
}

export async function connectTemporalClient(settings: TemporalSettings): Promise<Client> {
  const connection = await Connection.connect({ address: settings.address });
  return new Client({ connection, namespace: settings.namespace });
}

/** Readiness probe: the namespace can be described. */
export function temporalProbe(client: Client): () => Promise<void> {
  return async () => {
    await client.connection.withDeadline(Date.now() + 2000, () =>
      client.workflowService.describeNamespace({ namespace: client.options.namespace }),
    );
  };
}
