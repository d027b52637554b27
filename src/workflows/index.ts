// Every workflow the worker runs; this file is the bundle's entry point.
export * from './purge-expired-revocations.workflow.js';
export * from './record-run.workflow.js';
export * from './publish-cache.workflow.js';
export * from './deliver-activity.workflow.js';
export * from './deliver-to-host.workflow.js';
export * from './anchor-batch.workflow.js';
export * from './confirm-anchor.workflow.js';
export * from './pin-asset.workflow.js';
export * from './notify-l1s.workflow.js';
