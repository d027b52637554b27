// Waiting on a condition with a deadline: tests poll state (rows, workflow status) instead of sleeping.

export interface WaitOptions {
  /** Give up after this long; the error names `what` and the last value seen. */
  timeoutMs?: number;
  intervalMs?: number;
}

/** Resolves with the first truthy value `probe` returns; probe errors count as "not yet" until the deadline. */
export async function waitUntil<T>(what: string, probe: () => Promise<T> | T, options: WaitOptions = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let last: unknown;
  for (;;) {
    try {
      last = await probe();
      if (last) return last as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const seen = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out waiting for ${what}; last saw: ${seen}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  }
}
