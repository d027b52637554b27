// Open-loop load at a fixed rate: each request leaves on its schedule whether or not earlier ones have been
// answered, and its latency counts from when it was due (so a stall shows up as latency, not as fewer requests).

export interface Shot {
  kind: string;
  send(signal: AbortSignal): Promise<Response>;
}

export interface Failure {
  kind: string;
  status: number;
  detail: string;
}

export interface OpenLoopResult {
  sent: number;
  /** Answered 2xx. */
  ok: number;
  failures: Failure[];
  /** Latency in ms of every 2xx answer, by kind. */
  latencies: Map<string, number[]>;
  seconds: number;
}

const TICK_MS = 5;

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Sends `rate` requests a second for `seconds`, then waits for the stragglers (each has timeoutMs). */
export async function openLoop(options: {
  rate: number;
  seconds: number;
  timeoutMs: number;
  shot: (i: number) => Shot;
  onSecond?: (elapsedSeconds: number) => void;
}): Promise<OpenLoopResult> {
  const result: OpenLoopResult = { sent: 0, ok: 0, failures: [], latencies: new Map(), seconds: 0 };
  const inflight = new Set<Promise<void>>();
  const start = performance.now();
  const fire = (i: number, due: number) => {
    const { kind, send } = options.shot(i);
    const done = send(AbortSignal.timeout(options.timeoutMs))
      .then(async (res) => {
        const body = await res.text();
        if (res.status >= 200 && res.status < 300) {
          result.ok++;
          const list = result.latencies.get(kind) ?? [];
          list.push(performance.now() - due);
          result.latencies.set(kind, list);
        } else {
          result.failures.push({ kind, status: res.status, detail: body.slice(0, 200) });
        }
      })
      .catch((err: unknown) => void result.failures.push({ kind, status: 0, detail: (err as Error).message }))
      .finally(() => inflight.delete(done));
    inflight.add(done);
  };
  let lastSecond = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = performance.now() - start;
      const due = Math.min(Math.floor((elapsed / 1000) * options.rate), Math.floor(options.seconds * options.rate));
      while (result.sent < due) {
        const i = result.sent++;
        fire(i, start + (i / options.rate) * 1000);
      }
      const second = Math.floor(elapsed / 1000);
      if (second > lastSecond) {
        lastSecond = second;
        options.onSecond?.(second);
      }
      if (elapsed >= options.seconds * 1000) {
        clearInterval(timer);
        resolve();
      }
    }, TICK_MS);
  });
  await Promise.all([...inflight]);
  result.seconds = (performance.now() - start) / 1000;
  return result;
}
