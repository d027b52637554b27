// Carries our typed errors across Temporal: an AppError thrown in an activity fails the workflow for good
// (no retry), and the API turns that failure back into the same HTTP status, code and message.
import { ApplicationFailure } from '@temporalio/common';
import { AppError, type ErrorDetails } from '../domain/errors.js';

export const APP_ERROR_TYPE = 'AppError';

interface AppErrorPayload {
  status: number;
  code: string;
  details?: ErrorDetails;
}

export function toActivityFailure(err: unknown): unknown {
  if (!(err instanceof AppError)) return err;
  const payload: AppErrorPayload = { status: err.status, code: err.code, details: err.details };
  return ApplicationFailure.create({ message: err.message, type: APP_ERROR_TYPE, nonRetryable: true, details: [payload] });
}

/** Wraps each activity so typed errors become non-retryable failures and everything else is retried. */
export function withPermanentErrors<T extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (err) {
        throw toActivityFailure(err);
      }
    };
  }
  return wrapped as T;
}

/** The AppError inside a workflow failure (walking its causes), if there is one. */
export function appErrorFrom(err: unknown): AppError | null {
  for (let current: unknown = err; current; current = (current as { cause?: unknown }).cause) {
    if (current instanceof ApplicationFailure && current.type === APP_ERROR_TYPE) {
      const payload = current.details?.[0] as AppErrorPayload | undefined;
      return new AppError(payload?.status ?? 500, payload?.code ?? 'job_failed', current.message, payload?.details);
    }
  }
  return null;
}
