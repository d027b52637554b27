// Connects the Temporal client used by the API to start, signal and query workflows.
import { Client, Connection } from '@temporalio/client';
import { temporalConnectionOptions, type TemporalConnectionSettings } from './connection.js';

export type TemporalSettings = TemporalConnectionSettings;

export async function connectTemporalClient(settings: TemporalSettings): Promise<Client> {
  let connection: Connection;
  try {
    connection = await Connection.connect(temporalConnectionOptions(settings));
  } catch (err) {
    // The SDK says only "Failed to connect"; what the frontend answered (a refused key, a TLS failure) is the cause.
    const cause = (err as { cause?: unknown }).cause;
    const detail = cause instanceof Error ? cause.message : err instanceof Error ? err.message : String(err);
    throw new Error(`cannot connect to Temporal at ${settings.address}: ${detail}`, { cause: err });
  }
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
