// A minimal fediverse server on 127.0.0.1: serves actor documents with RSA keys, records inbox POSTs with
// per-inbox answers (status, Retry-After), and sends activities signed with draft-cavage HTTP Signatures.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { signRequest } from '../../src/federation/http-signatures.js';

export interface FakeActor {
  name: string;
  id: string;
  keyId: string;
  inbox: string;
  privateKey: KeyObject;
  publicKeyPem: string;
}

export interface InboxPost {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: Record<string, unknown>;
}

type Answer = { status: number; retryAfter?: string; times?: number };

export class FakeFediverse {
  readonly posts: InboxPost[] = [];
  readonly actorFetches: string[] = [];
  private readonly actors = new Map<string, FakeActor>();
  private readonly answers = new Map<string, Answer>();
  private readonly documents = new Map<string, unknown>();
  private readonly waiters: { predicate: (p: InboxPost) => boolean; resolve: (p: InboxPost) => void }[] = [];
  private readonly server = http.createServer((req, res) => void this.handle(req, res));
  private origin = '';
  private gate: Promise<void> | null = null;
  private openGate: (() => void) | null = null;

  static async start(options: { sharedInbox?: boolean } = {}): Promise<FakeFediverse> {
    const fake = new FakeFediverse(options.sharedInbox ?? false);
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.origin = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  private constructor(private readonly sharedInbox: boolean) {}

  get url(): string {
    return this.origin;
  }

  get host(): string {
    return new URL(this.origin).host;
  }

  private sharedPair: ReturnType<typeof generateKeyPairSync> | null = null;

  /** An actor with its own RSA key, or (sharedKey) one key reused across this host's actors, which is cheaper. */
  addActor(name: string, options: { sharedKey?: boolean } = {}): FakeActor {
    const pair = options.sharedKey
      ? (this.sharedPair ??= generateKeyPairSync('rsa', { modulusLength: 2048 }))
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
    const { privateKey, publicKey } = pair as { privateKey: KeyObject; publicKey: KeyObject };
    const id = `${this.origin}/users/${name}`;
    const actor = {
      name,
      id,
      keyId: `${id}#main-key`,
      inbox: `${id}/inbox`,
      privateKey,
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
    };
    this.actors.set(name, actor);
    return actor;
  }

  /** Replaces what GET of a path returns (malformed or huge actor documents). */
  serveDocument(path: string, document: unknown): void {
    this.documents.set(path, document);
  }

  /** How an inbox path answers; `times` answers then reverts to 202. */
  answer(path: string, answer: Answer | null): void {
    if (answer) this.answers.set(path, answer);
    else this.answers.delete(path);
  }

  /** Until release(), inbox POSTs are recorded but not answered (a slow or stuck server). */
  hold(): void {
    this.gate ??= new Promise((resolve) => (this.openGate = resolve));
  }

  release(): void {
    this.openGate?.();
    this.gate = null;
    this.openGate = null;
  }

  waitForPost(predicate: (p: InboxPost) => boolean): Promise<InboxPost> {
    const found = this.posts.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => this.waiters.push({ predicate, resolve }));
  }

  actorDocument(actor: FakeActor): Record<string, unknown> {
    return {
      '@context': ['https://www.w3.org/ns/activitystreams', 'https://w3id.org/security/v1'],
      id: actor.id,
      type: 'Person',
      preferredUsername: actor.name,
      inbox: actor.inbox,
      ...(this.sharedInbox ? { endpoints: { sharedInbox: `${this.origin}/inbox` } } : {}),
      publicKey: { id: actor.keyId, owner: actor.id, publicKeyPem: actor.publicKeyPem },
    };
  }

  /** POSTs an activity signed by `actor` (or by `signer`, to test mismatches). */
  async send(
    url: string,
    activity: unknown,
    actor: FakeActor,
    options: { signer?: FakeActor; body?: string; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const signed = JSON.stringify(activity);
    const signer = options.signer ?? actor;
    const headers = signRequest(
      { method: 'POST', url, headers: { 'content-type': 'application/activity+json' }, body: signed },
      { keyId: signer.keyId, privateKey: signer.privateKey },
    );
    // `body` lets a test send something other than what was signed.
    return await fetch(url, { method: 'POST', headers: { ...headers, ...options.headers }, body: options.body ?? signed });
  }

  async stop(): Promise<void> {
    this.release();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = new URL(req.url!, this.origin).pathname;
    if (req.method === 'GET') {
      this.actorFetches.push(path);
      const replaced = this.documents.get(path);
      const actor = [...this.actors.values()].find((a) => new URL(a.id).pathname === path);
      const document = replaced ?? (actor ? this.actorDocument(actor) : undefined);
      if (document === undefined) {
        res.writeHead(404).end();
        return;
      }
      res
        .writeHead(200, { 'content-type': 'application/activity+json' })
        .end(typeof document === 'string' ? document : JSON.stringify(document));
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(body) as Record<string, unknown>;
    } catch {
      json = {};
    }
    const post = { path, headers: req.headers, body, json };
    this.posts.push(post);
    for (const waiter of [...this.waiters]) {
      if (waiter.predicate(post)) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve(post);
      }
    }
    if (this.gate) await this.gate;
    const answer = this.answers.get(path);
    if (answer) {
      if (answer.times !== undefined && --answer.times <= 0) this.answers.delete(path);
      res.writeHead(answer.status, answer.retryAfter ? { 'retry-after': answer.retryAfter } : {}).end();
      return;
    }
    res.writeHead(202).end();
  }
}
