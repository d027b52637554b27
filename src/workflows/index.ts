// Every workflow the worker runs; this file is the bundle's entry point.
export * from './purge-expired-revocations.workflow.js';
