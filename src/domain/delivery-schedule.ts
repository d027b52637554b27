// When to retry a failed delivery: Sidekiq/Mastodon's (n^4 + 15) seconds, 16 attempts spanning about 2-3 days.

export const DEFAULT_DELIVERY_ATTEMPTS = 16;

/** Base delays in seconds between attempts (attempt n waits delays[n-1] after attempt n failed). */
export function defaultRetryDelays(attempts = DEFAULT_DELIVERY_ATTEMPTS): number[] {
  return Array.from({ length: attempts - 1 }, (_, n) => n ** 4 + 15 + 15 * (n + 1));
}

/** Permanent failures are not retried: 4xx other than 408 and 429. */
export function isPermanentStatus(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/** Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), capped at a day; null when absent or invalid. */
export function retryAfterSeconds(header: string | undefined, now: Date): number | null {
  if (!header) return null;
  const seconds = /^\d+$/.test(header.trim()) ? Number(header.trim()) : (Date.parse(header) - now.getTime()) / 1000;
  if (!Number.isFinite(seconds) || seconds < 0) return null;
  return Math.min(seconds, 24 * 3600);
}
