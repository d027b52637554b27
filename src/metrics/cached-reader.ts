// Reads that are expensive to repeat on every scrape (Postgres counts, Temporal visibility) kept for a few seconds.

export type Reader<T> = () => Promise<T>;

export interface CacheOptions {
  /** How long a successful result is served again. */
  ttlMs: number;
  /** A read still unanswered after this fails, so a scrape never hangs on a store that is down. */
  timeoutMs: number;
  now?: () => number;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/**
 * Wraps `read` so callers within `ttlMs` of the last success share its result, and concurrent callers share one
 * read in flight. A failed read is not kept: the next scrape tries again.
 */
export function cachedReader<T>(read: Reader<T>, { ttlMs, timeoutMs, now = Date.now }: CacheOptions): Reader<T> {
  let value: { at: number; result: T } | null = null;
  let inFlight: Promise<T> | null = null;
  return () => {
    if (value && now() - value.at < ttlMs) return Promise.resolve(value.result);
    inFlight ??= withTimeout(read(), timeoutMs)
      .then((result) => {
        value = { at: now(), result };
        return result;
      })
      .finally(() => (inFlight = null));
    return inFlight;
  };
}
