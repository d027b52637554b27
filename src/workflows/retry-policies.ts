// Retry schedules shared by workflows.
import type { RetryPolicy } from '@temporalio/workflow';

/** L1 outages: back off from 1 s to 5 min; the caller's schedule-to-close bounds the whole effort (about an hour). */
export const l1RetryPolicy: RetryPolicy = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '5 minutes',
};
