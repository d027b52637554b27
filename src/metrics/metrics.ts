// The Prometheus registry of one process: HTTP traffic, process health (RSS, heap, event-loop lag, uptime), and
// the state of deliveries, anchors and workflows, read at scrape time from the shared stores.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Reader } from './cached-reader.js';

export type Counts = Record<string, number>;

/** Where the state gauges come from; each reader is cached by its maker, since every scrape calls it. */
export interface StateSources {
  deliveries: Reader<Counts>;
  anchors: Reader<Counts>;
  /** Null where this process has no Temporal client to ask. */
  workflowFailures: Reader<Counts> | null;
}

// Every known state is always exported (0 when none), so a series does not vanish when its count drops to zero.
const DELIVERY_STATES = ['pending', 'delivered', 'failed', 'skipped'];
const ANCHOR_STATES = ['created', 'pending', 'confirmed', 'invalid'];
const WORKFLOW_FAILURE_STATES = ['failed', 'timed_out'];

// Seconds; from a cached page (a few ms) to a record-run that waits for its L1 (tens of seconds).
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<'method' | 'route' | 'status_class'>;
  readonly httpDuration: Histogram<'method' | 'route'>;
  readonly httpInFlight: Gauge;

  constructor(sources: StateSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'process_uptime_seconds',
      help: 'Seconds since this process started.',
      registers,
      collect() {
        this.set(process.uptime());
      },
    });
    this.httpRequests = new Counter({
      name: 'artdag_http_requests_total',
      help: 'HTTP requests answered, by method, route template and status class (aborted: the client left first).',
      labelNames: ['method', 'route', 'status_class'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'artdag_http_request_duration_seconds',
      help: 'Time from receiving a request to the end of its response, by method and route template.',
      labelNames: ['method', 'route'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.httpInFlight = new Gauge({ name: 'artdag_http_requests_in_flight', help: 'HTTP requests being handled now.', registers });

    stateGauge(this.registry, 'artdag_deliveries', 'Deliveries (activity × inbox) by state.', DELIVERY_STATES, sources.deliveries);
    stateGauge(this.registry, 'artdag_anchors', 'OpenTimestamps anchors by state.', ANCHOR_STATES, sources.anchors);
    if (sources.workflowFailures) {
      stateGauge(
        this.registry,
        'artdag_workflow_failures',
        "Workflows on this server's task queue that closed failed or timed out, as long as Temporal's visibility keeps them (the namespace retention).",
        WORKFLOW_FAILURE_STATES,
        sources.workflowFailures,
      );
    }
    const up: [string, Reader<unknown>][] = [
      ['postgres', sources.deliveries],
      ...(sources.workflowFailures ? ([['temporal', sources.workflowFailures]] as [string, Reader<unknown>][]) : []),
    ];
    new Gauge({
      name: 'artdag_metrics_source_up',
      help: 'Whether the store behind the state gauges answered this scrape (1) or not (0, and its gauges are left out).',
      labelNames: ['source'],
      registers,
      async collect() {
        await Promise.all(
          up.map(async ([source, read]) =>
            this.set(
              { source },
              await read().then(
                () => 1,
                () => 0,
              ),
            ),
          ),
        );
      },
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  async render(): Promise<string> {
    // prom-client 15 writes NaN as "Nan"; the text format spells it "NaN" (event-loop stats are NaN before a sample).
    return (await this.registry.metrics()).replace(/ Nan$/gm, ' NaN');
  }
}

/** A gauge with a `state` label filled from `read` at each scrape; empty while its store does not answer. */
function stateGauge(registry: Registry, name: string, help: string, known: string[], read: Reader<Counts>): void {
  new Gauge({
    name,
    help,
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      this.reset();
      let counts: Counts;
      try {
        counts = await read();
      } catch {
        return; // artdag_metrics_source_up says so; a stale number would look like a real one.
      }
      for (const state of new Set([...known, ...Object.keys(counts)])) this.set({ state }, counts[state] ?? 0);
    },
  });
}
