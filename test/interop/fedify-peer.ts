// A real Fedify 2.3 ActivityPub server on 127.0.0.1, run inside the test process to check that we interoperate with it.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID, type webcrypto } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createFederation,
  exportSpki,
  FetchError,
  generateCryptoKeyPair,
  getAuthenticatedDocumentLoader,
  getDocumentLoader,
  kvCache,
  MemoryKvStore,
  preloadedContexts,
  signRequest,
  type Context,
  type DocumentLoader,
  type Federation,
  type HttpMessageSignaturesSpec,
  type HttpMessageSignaturesSpecDeterminer,
  type InboxContext,
  type KvStore,
} from '@fedify/fedify';
import {
  Accept,
  Activity,
  Create,
  Delete,
  Endpoints,
  Follow,
  getTypeId,
  isActor,
  Like,
  Note,
  Person,
  PUBLIC_COLLECTION,
  Tombstone,
  Undo,
  type Actor,
} from '@fedify/fedify/vocab';
import { lookupWebFinger } from '@fedify/webfinger';

export interface ReceivedActivity {
  type: string;
  id: string | null;
  actorId: string | null;
  json: Record<string, unknown>;
  /** Raw request headers of the delivery, lower-case. */
  headers: Record<string, string>;
}

/** Every HTTP request the peer answered, with its status: shows each knock of a double-knocking sender. */
export interface PeerRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  status: number;
}

export interface LookedUpActor {
  id: string;
  preferredUsername: string | null;
  inbox: string | null;
  sharedInbox: string | null;
  publicKeyId: string | null;
  publicKeyPem: string | null;
  followers: string | null;
  outbox: string | null;
}

// Fedify's .d.ts name the DOM's CryptoKeyPair, which this Node-only project does not declare.
type KeyPair = webcrypto.CryptoKeyPair;

export interface FedifyPeerOptions {
  /** Default 'peer'. */
  username?: string;
  /** Answer 401 to inbox POSTs signed with this scheme before Fedify sees them, to make senders knock again. */
  refuseSignatures?: HttpMessageSignaturesSpec;
}

interface Waiter {
  predicate: (a: ReceivedActivity) => boolean;
  resolve: (a: ReceivedActivity) => void;
  reject: (error: Error) => void;
}

// Same KV prefixes as Fedify's built-in loaders, so our loaders cache and remember signature specs the way Fedify does.
const REMOTE_DOCUMENT_PREFIX = ['_fedify', 'remoteDocument'] as const;
const SPEC_PREFIX = ['_fedify', 'httpMessageSignaturesSpec'] as const;

const delivery = new AsyncLocalStorage<{ headers: Record<string, string>; body: string }>();
const webFingerRoute = new AsyncLocalStorage<{ from: string; to: string }>();

function isLoopbackUrl(url: string): boolean {
  const { hostname } = new URL(url);
  return /^127\.\d+\.\d+\.\d+$/.test(hostname) || hostname === '[::1]' || hostname === 'localhost';
}

// Fedify throws if allowPrivateAddress (or userAgent) is set together with custom loaders, so these loaders allow
// loopback themselves and refuse anything else: JSON-LD contexts come only from Fedify's preloaded set.
function loopbackOnly(loader: DocumentLoader): DocumentLoader {
  return async (url, options) => {
    if (url in preloadedContexts) return { contextUrl: null, document: preloadedContexts[url], documentUrl: url };
    if (!isLoopbackUrl(url)) {
      throw new FetchError(url, `FedifyPeer fetches only loopback URLs and Fedify's preloaded JSON-LD contexts, not ${url}`);
    }
    return loader(url, options);
  };
}

function kvSpecDeterminer(kv: KvStore): HttpMessageSignaturesSpecDeterminer {
  return {
    determineSpec: async (origin) => (await kv.get<HttpMessageSignaturesSpec>([...SPEC_PREFIX, origin])) ?? 'rfc9421',
    rememberSpec: (origin, spec) => kv.set([...SPEC_PREFIX, origin], spec),
  };
}

// lookupWebFinger asks https://<host>/.well-known/webfinger for acct: resources and has no option for plain http, so
// inside a routed call its request to that origin is sent to the peer-given origin instead; other fetches pass through.
let fetchRouted = false;
function routeWebFingerFetches(): void {
  if (fetchRouted) return;
  fetchRouted = true;
  const original = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    const route = webFingerRoute.getStore();
    if (route && !(input instanceof Request)) {
      const url = new URL(input);
      if (url.origin === route.from && url.pathname === '/.well-known/webfinger')
        return original(`${route.to}${url.pathname}${url.search}`, init);
    }
    return original(input, init);
  };
}

function signatureScheme(headers: Record<string, string>): HttpMessageSignaturesSpec | null {
  if (headers['signature-input']) return 'rfc9421';
  return headers['signature'] ? 'draft-cavage-http-signatures-12' : null;
}

function flatHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

// The vocabulary IRI's fragment: "Follow" for as:Follow, "EmojiReact" for litepub's EmojiReact.
function activityType(activity: Activity): string {
  const type = getTypeId(activity);
  return type.hash ? type.hash.slice(1) : type.href;
}

export class FedifyPeer {
  readonly actorId: string;
  readonly inboxUrl: string;
  readonly sharedInboxUrl: string;
  readonly received: ReceivedActivity[] = [];
  readonly requests: PeerRequest[] = [];
  /** Failures of work done after answering a request, such as delivering the Accept for a Follow. */
  readonly errors: Error[] = [];
  private readonly federation: Federation<void>;
  private readonly kv = new MemoryKvStore();
  private readonly followerActors = new Map<string, Actor>();
  private readonly followerByFollowId = new Map<string, string>();
  private readonly waiters: Waiter[] = [];
  private readonly pending = new Set<Promise<void>>();
  private deleted = false;

  private constructor(
    private readonly server: http.Server,
    readonly origin: string,
    private readonly username: string,
    private readonly keyPairs: KeyPair[],
    private readonly refuseSignatures: HttpMessageSignaturesSpec | null,
  ) {
    this.actorId = `${origin}/users/${username}`;
    this.inboxUrl = `${this.actorId}/inbox`;
    this.sharedInboxUrl = `${origin}/inbox`;
    this.federation = this.createFederation();
    server.on('request', (req, res) =>
      this.handle(req, res).catch((error: Error) => {
        this.errors.push(error);
        res.destroy();
      }),
    );
  }

  static async start(options: FedifyPeerOptions = {}): Promise<FedifyPeer> {
    const server = http.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // Fedify's generator makes 4096-bit RSA keys (no size option), as Fedify servers in the wild use.
    const keyPairs = await Promise.all([generateCryptoKeyPair('RSASSA-PKCS1-v1_5'), generateCryptoKeyPair('Ed25519')]);
    return new FedifyPeer(server, origin, options.username ?? 'peer', keyPairs, options.refuseSignatures ?? null);
  }

  get followers(): string[] {
    return [...this.followerActors.keys()];
  }

  waitFor(predicate: (a: ReceivedActivity) => boolean, options: { timeoutMs?: number } = {}): Promise<ReceivedActivity> {
    const seen = this.received.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const settle = (): void => {
        clearTimeout(timer);
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
      };
      const waiter: Waiter = {
        predicate,
        resolve: (a) => (settle(), resolve(a)),
        reject: (error) => (settle(), reject(error)),
      };
      const timer = setTimeout(
        () => waiter.reject(new Error(`${this.actorId} received no matching activity in time; ${this.describe()}`)),
        options.timeoutMs ?? 10_000,
      );
      this.waiters.push(waiter);
    });
  }

  async lookupActor(actorUrl: string): Promise<LookedUpActor> {
    const actor = await this.lookupActorObject(actorUrl);
    const ctx = this.context();
    const key = await actor.getPublicKey(ctx);
    return {
      id: actor.id!.href,
      preferredUsername: actor.preferredUsername?.toString() ?? null,
      inbox: actor.inboxId?.href ?? null,
      sharedInbox: actor.endpoints?.sharedInbox?.href ?? null,
      publicKeyId: key?.id?.href ?? null,
      publicKeyPem: key?.publicKey ? await exportSpki(key.publicKey) : null,
      followers: actor.followersId?.href ?? null,
      outbox: actor.outboxId?.href ?? null,
    };
  }

  /**
   * WebFinger through Fedify's client. Fedify always asks https://<host> for acct: (and mailto:) resources and the
   * resource's own origin for URLs; within this call that request goes to `origin` instead, so http works.
   */
  async webfinger(resource: string, origin: string): Promise<{ subject: string; selfHref: string | null; links: unknown[] }> {
    const asked = new URL(resource);
    const host = /^(acct|mailto):/.test(resource) ? `https://${asked.pathname.slice(asked.pathname.lastIndexOf('@') + 1)}` : asked.origin;
    routeWebFingerFetches();
    const jrd = await webFingerRoute.run({ from: new URL(host).origin, to: new URL(origin).origin }, () =>
      lookupWebFinger(resource, { allowPrivateAddress: true }),
    );
    if (!jrd) throw new Error(`Fedify's WebFinger lookup of ${resource} at ${origin} found nothing`);
    const self = jrd.links?.find(
      (l) => l.rel === 'self' && (l.type === 'application/activity+json' || /^application\/ld\+json/.test(l.type ?? '')),
    );
    return { subject: jrd.subject ?? '', selfHref: self?.href ?? null, links: [...(jrd.links ?? [])] };
  }

  async follow(remoteActorUrl: string): Promise<string> {
    const id = this.newActivityId();
    await this.send(remoteActorUrl, new Follow({ id, actor: new URL(this.actorId), object: new URL(remoteActorUrl) }));
    return id.href;
  }

  async undoFollow(remoteActorUrl: string, followId: string): Promise<void> {
    const actor = new URL(this.actorId);
    const follow = new Follow({ id: new URL(followId), actor, object: new URL(remoteActorUrl) });
    await this.send(remoteActorUrl, new Undo({ id: this.newActivityId(), actor, object: follow }));
  }

  async sendNote(remoteActorUrl: string, text: string): Promise<string> {
    const actor = new URL(this.actorId);
    const to = new URL(remoteActorUrl);
    const note = new Note({ id: new URL(`${this.origin}/notes/${randomUUID()}`), attribution: actor, to, content: text });
    const id = this.newActivityId();
    await this.send(remoteActorUrl, new Create({ id, actor, to, object: note }));
    return id.href;
  }

  async like(remoteActorUrl: string, objectUrl: string): Promise<string> {
    const id = this.newActivityId();
    await this.send(
      remoteActorUrl,
      new Like({ id, actor: new URL(this.actorId), to: new URL(remoteActorUrl), object: new URL(objectUrl) }),
    );
    return id.href;
  }

  /** Sends Delete(actor) and from then on serves the actor as a Tombstone (410 Gone). */
  async deleteSelf(remoteActorUrl: string): Promise<void> {
    const actor = new URL(this.actorId);
    await this.send(remoteActorUrl, new Delete({ id: this.newActivityId(), actor, to: PUBLIC_COLLECTION, object: actor }));
    this.deleted = true;
  }

  /**
   * POSTs activity JSON exactly as given (no Linked Data signature, no proof), signed only by an HTTP signature of the
   * chosen scheme with the peer's RSA key: the receiver has nothing but that signature to trust. No second knock.
   */
  async deliverRaw(inboxUrl: string, activity: Record<string, unknown>, spec: HttpMessageSignaturesSpec): Promise<Response> {
    const [rsa] = await this.context().getActorKeyPairs(this.username);
    const privateKey = this.keyPairs[0]!.privateKey;
    const request = new Request(inboxUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/activity+json', accept: 'application/activity+json' },
      body: JSON.stringify(activity),
    });
    return fetch(await signRequest(request, privateKey, rsa!.keyId, { spec }));
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.pending]);
    for (const waiter of [...this.waiters]) waiter.reject(new Error(`${this.actorId} stopped; ${this.describe()}`));
    if (!this.server.listening) return;
    await new Promise<void>((resolve, reject) => {
      this.server.close((err) => (err ? reject(err) : resolve()));
      this.server.closeAllConnections();
    });
  }

  private createFederation(): Federation<void> {
    const kv = this.kv;
    const federation = createFederation<void>({
      kv,
      origin: this.origin,
      documentLoaderFactory: () =>
        kvCache({ loader: loopbackOnly(getDocumentLoader({ allowPrivateAddress: true })), kv, prefix: REMOTE_DOCUMENT_PREFIX }),
      contextLoaderFactory: () => loopbackOnly(getDocumentLoader({ allowPrivateAddress: true })),
      authenticatedDocumentLoaderFactory: (identity) =>
        loopbackOnly(getAuthenticatedDocumentLoader(identity, { allowPrivateAddress: true, specDeterminer: kvSpecDeterminer(kv) })),
    });
    federation
      .setActorDispatcher('/users/{identifier}', async (ctx, identifier) => {
        if (identifier !== this.username) return null;
        if (this.deleted) return new Tombstone({ id: ctx.getActorUri(identifier) });
        const keys = await ctx.getActorKeyPairs(identifier);
        return new Person({
          id: ctx.getActorUri(identifier),
          preferredUsername: identifier,
          name: `Fedify peer ${identifier}`,
          inbox: ctx.getInboxUri(identifier),
          outbox: ctx.getOutboxUri(identifier),
          followers: ctx.getFollowersUri(identifier),
          endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
          publicKey: keys[0]?.cryptographicKey,
          assertionMethods: keys.map((k) => k.multikey),
        });
      })
      .setKeyPairsDispatcher((_ctx, identifier) => (identifier === this.username ? this.keyPairs : []));
    federation.setFollowersDispatcher('/users/{identifier}/followers', (_ctx, identifier) =>
      identifier === this.username ? { items: [...this.followerActors.values()] } : null,
    );
    federation.setOutboxDispatcher('/users/{identifier}/outbox', (_ctx, identifier) =>
      identifier === this.username ? { items: [] } : null,
    );
    federation
      .setInboxListeners('/users/{identifier}/inbox', '/inbox')
      .on(Follow, (ctx, follow) => this.onFollow(ctx, follow))
      .on(Undo, (ctx, undo) => this.onUndo(ctx, undo))
      .on(Activity, (_ctx, activity) => this.record(activity))
      .onError((_ctx, error) => void this.errors.push(error));
    return federation;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const headers = flatHeaders(req.headers);
    const method = req.method ?? 'GET';
    const body = method === 'GET' || method === 'HEAD' ? undefined : await readBody(req);
    const response = await this.respond(new Request(new URL(req.url ?? '/', this.origin), { method, headers, body }), headers, body);
    this.requests.push({ method, path: req.url ?? '/', headers, status: response.status });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  }

  private async respond(request: Request, headers: Record<string, string>, body: Buffer | undefined): Promise<Response> {
    if (request.method === 'POST' && this.refuseSignatures && signatureScheme(headers) === this.refuseSignatures) {
      return new Response(`This peer refuses ${this.refuseSignatures} signatures.`, { status: 401 });
    }
    try {
      // Without a queue Fedify runs inbox listeners inside fetch(), where record() finds this delivery's raw form.
      return await delivery.run({ headers, body: body?.toString('utf8') ?? '' }, () =>
        this.federation.fetch(request, { contextData: undefined }),
      );
    } catch (error) {
      this.errors.push(error as Error);
      return new Response(String(error), { status: 500 });
    }
  }

  private async onFollow(ctx: InboxContext<void>, follow: Follow): Promise<void> {
    await this.record(follow);
    if (follow.objectId?.href !== this.actorId) return;
    const follower = await follow.getActor(ctx);
    if (!follower?.id) return;
    this.followerActors.set(follower.id.href, follower);
    if (follow.id) this.followerByFollowId.set(follow.id.href, follower.id.href);
    const accept = new Accept({ id: this.newActivityId(), actor: new URL(this.actorId), to: follower.id, object: follow });
    // Like a server with a job queue: the Accept goes out without holding up the answer to the Follow.
    this.inBackground(() => ctx.sendActivity({ identifier: this.username }, follower, accept));
  }

  private async onUndo(ctx: InboxContext<void>, undo: Undo): Promise<void> {
    await this.record(undo);
    const object = await undo.getObject({ documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader, suppressError: true });
    const undoneFollower =
      object instanceof Follow && object.objectId?.href === this.actorId
        ? object.actorId?.href
        : this.followerByFollowId.get(undo.objectId?.href ?? '');
    // Only the follower may undo its own Follow.
    if (undoneFollower && undoneFollower === undo.actorId?.href) this.followerActors.delete(undoneFollower);
  }

  private async record(activity: Activity): Promise<void> {
    const raw = delivery.getStore();
    const json = raw?.body ? JSON.parse(raw.body) : await activity.toJsonLd({ contextLoader: this.context().contextLoader });
    const received: ReceivedActivity = {
      type: activityType(activity),
      id: activity.id?.href ?? null,
      actorId: activity.actorId?.href ?? null,
      json: json as Record<string, unknown>,
      headers: raw?.headers ?? {},
    };
    this.received.push(received);
    for (const waiter of [...this.waiters]) if (waiter.predicate(received)) waiter.resolve(received);
  }

  private async lookupActorObject(actorUrl: string): Promise<Actor> {
    const ctx = this.context();
    // Unsigned first, as Fedify's lookupObject does; a server demanding authorized fetch gets a signed GET.
    const object =
      (await ctx.lookupObject(actorUrl)) ??
      (await ctx.lookupObject(actorUrl, { documentLoader: await ctx.getDocumentLoader({ identifier: this.username }) }));
    if (!isActor(object) || !object.id) throw new Error(`Fedify could not look up an actor at ${actorUrl}; ${this.describe()}`);
    return object;
  }

  private async send(remoteActorUrl: string, activity: Activity): Promise<void> {
    const recipient = await this.lookupActorObject(remoteActorUrl);
    await this.context().sendActivity({ identifier: this.username }, recipient, activity);
  }

  private inBackground(work: () => Promise<void>): void {
    const job = work().catch((error: Error) => void this.errors.push(error));
    this.pending.add(job);
    void job.finally(() => this.pending.delete(job));
  }

  private context(): Context<void> {
    return this.federation.createContext(new URL(this.origin), undefined);
  }

  private newActivityId(): URL {
    return new URL(`${this.origin}/activities/${randomUUID()}`);
  }

  private describe(): string {
    const got = this.received.map((a) => `${a.type} ${a.id}`).join(', ') || 'nothing';
    const requests = this.requests.map((r) => `${r.method} ${r.path} → ${r.status}`).join(', ') || 'none';
    const errors = this.errors.map((e) => e.message).join('; ') || 'none';
    return `received: ${got}; requests: ${requests}; errors: ${errors}`;
  }
}
