// Mixed API load for fault and scale-out tests: a few concurrent loops of registrations, asset registrations,
// signed inbox POSTs from a fake fediverse actor and reads, each answer recorded with its time and outcome.
import type { FakeActor, FakeFediverse } from '../doubles/fake-fediverse.js';
import { contentHashOf } from '../../src/domain/content-hash.js';

export type OpKind = 'register' | 'asset' | 'follow' | 'like' | 'read';

export interface Outcome {
  kind: OpKind;
  /** The request's number in the mix: `one(n, kind)` repeats it with the same key. */
  n: number;
  /** What a write created (username, asset name, remote activity id); empty for reads. */
  key: string;
  path: string;
  /** 0 when the request failed without an HTTP answer. */
  status: number;
  code: string | null;
  startedAt: number;
  endedAt: number;
}

export interface LoadTarget {
  /** api base URLs; requests take turns between them. */
  urls: string[];
  /** Public URL prefix of local actors (https://l2.test/users/), for follows and likes. */
  actorPrefix: string;
  objectPrefix: string;
  owner: { username: string; token: string };
  peer: FakeFediverse;
  fan: FakeActor;
  /** Distinguishes the names of one run from another's. */
  tag: string;
}

// Reads dominate, as on a live server; every write kind appears in each cycle of 10.
const CYCLE: OpKind[] = ['read', 'asset', 'read', 'register', 'read', 'follow', 'read', 'asset', 'like', 'read'];

export class MixedLoad {
  readonly outcomes: Outcome[] = [];
  /** Usernames whose registration was answered 201 (follows pick among them). */
  readonly users: string[] = [];
  private running: Promise<void>[] = [];
  private stopped = false;
  private next = 0;

  constructor(private readonly target: LoadTarget) {}

  /**
   * Starts `concurrency` loops. With `retryRefusals`, a loop whose write is refused with 503 sends the same write
   * again (after retryDelayMs) until it is answered otherwise, as a client honouring 503 does.
   */
  start(concurrency: number, options: { retryRefusals?: boolean; retryDelayMs?: number } = {}): void {
    this.stopped = false;
    this.running = Array.from({ length: concurrency }, async () => {
      while (!this.stopped) {
        const n = this.next++;
        let outcome = await this.one(n);
        while (options.retryRefusals && outcome.kind !== 'read' && outcome.status === 503) {
          await new Promise((resolve) => setTimeout(resolve, options.retryDelayMs ?? 250));
          outcome = await this.one(n, outcome.kind);
        }
      }
    });
  }

  async stop(): Promise<Outcome[]> {
    this.stopped = true;
    await Promise.all(this.running);
    return this.outcomes;
  }

  /** Runs request number n of the mix (also used to retry a write by its number). */
  async one(n: number, kind: OpKind = CYCLE[n % CYCLE.length]!): Promise<Outcome> {
    const t = this.target;
    const url = t.urls[n % t.urls.length]!;
    const json = { 'content-type': 'application/json', accept: 'application/json' };
    const auth = { ...json, authorization: `Bearer ${t.owner.token}` };
    let key = '';
    let request: () => Promise<Response>;
    let path: string;
    switch (kind) {
      case 'register':
        key = `u${t.tag}${n}`;
        path = '/auth/register';
        request = () => post(url + path, json, JSON.stringify({ username: key, password: 'a good password' }));
        break;
      case 'asset':
        key = `a-${t.tag}-${n}`;
        path = '/assets';
        request = () => post(url + path, auth, JSON.stringify({ name: key, content_hash: contentHashOf(key), asset_type: 'image' }));
        break;
      case 'follow':
      case 'like': {
        key = `${t.fan.id}/activities/${t.tag}-${n}`;
        const object =
          kind === 'follow'
            ? `${t.actorPrefix}${this.users[n % Math.max(1, this.users.length)] ?? t.owner.username}`
            : `${t.objectPrefix}${contentHashOf(`a-${t.tag}-${n - 7}`)}`;
        path = '/inbox';
        const activity = {
          '@context': 'https://www.w3.org/ns/activitystreams',
          id: key,
          type: kind === 'follow' ? 'Follow' : 'Like',
          actor: t.fan.id,
          object,
        };
        request = () => t.peer.send(url + path, activity, t.fan);
        break;
      }
      case 'read': {
        const reads = [
          '/assets?limit=20',
          `/users/${t.owner.username}`,
          `/.well-known/webfinger?resource=acct:${t.owner.username}@l2.test`,
        ];
        path = reads[n % reads.length]!;
        request = () => fetch(url + path, { headers: { accept: 'application/json' } });
        break;
      }
    }
    const startedAt = Date.now();
    let status = 0;
    let code: string | null = null;
    try {
      const res = await request();
      status = res.status;
      const text = await res.text();
      if (status >= 400) code = (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? null;
    } catch (err) {
      code = (err as Error).message;
    }
    const outcome = { kind, n, key, path, status, code, startedAt, endedAt: Date.now() };
    if (kind === 'register' && status === 201) this.users.push(key);
    this.outcomes.push(outcome);
    return outcome;
  }
}

function post(url: string, headers: Record<string, string>, body: string): Promise<Response> {
  return fetch(url, { method: 'POST', headers, body });
}
