// Creates the Temporal worker that runs our workflows and the activities built by createActivities(deps).
import { NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import type { Activities } from '../activities/index.js';
import { bundleWorkflows } from './bundle.js';
import { temporalConnectionOptions, type TemporalConnectionSettings } from './connection.js';

export interface WorkerSettings extends TemporalConnectionSettings {
  taskQueue: string;
  activities: Activities;
  /** A prebuilt bundle (tests share one); built on demand otherwise. */
  workflowBundle?: WorkflowBundleOption;
}

export interface RunningWorker {
  worker: Worker;
  /** Resolves when the worker has stopped; rejects if it failed. */
  done: Promise<void>;
  stop(): Promise<void>;
}

export async function startWorker(settings: WorkerSettings): Promise<RunningWorker> {
  const connection = await NativeConnection.connect(temporalConnectionOptions(settings));
  const worker = await Worker.create({
    connection,
    namespace: settings.namespace,
    taskQueue: settings.taskQueue,
    workflowBundle: settings.workflowBundle ?? (await bundleWorkflows()),
    activities: settings.activities,
    shutdownGraceTime: '10 seconds',
    // Bursts (a fan-out to hundreds of hosts) need pollers to scale with the backlog.
    workflowTaskPollerBehavior: { type: 'autoscaling', maximum: 20 },
    activityTaskPollerBehavior: { type: 'autoscaling', maximum: 40 },
    maxConcurrentActivityTaskExecutions: 64,
  });
  const done = worker.run().finally(() => connection.close());
  return {
    worker,
    done,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
