// Remote actors: fetched with signed GETs through the guarded client, validated, cached with a TTL, and
// refetched once when a signature made with their cached key fails (key rotation).
import { createPublicKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import type { GuardedHttpClient } from '../clients/guarded-fetch.js';
import type { RemoteActorFields, RemoteActorRow, RemoteActorsRepository } from '../db/repositories/remote-actors-repository.js';
import { signRequest } from '../federation/http-signatures.js';
import { ACTIVITY_JSON, LD_JSON_AS } from '../federation/media-types.js';

const ACTOR_MAX_BYTES = 256 * 1024;
const CACHE_TTL_MS = 24 * 3600_000;

const idOf = z.union([z.string().url(), z.looseObject({ id: z.string().url() }).transform((o) => o.id)]);

const keyDocument = z.looseObject({ id: z.string().url(), owner: z.string().url(), publicKeyPem: z.string().min(1) });

const actorDocument = z.looseObject({
  id: z.string().url(),
  type: z.string(),
  inbox: idOf,
  preferredUsername: z.string().optional(),
  name: z.string().nullish(),
  endpoints: z.looseObject({ sharedInbox: z.string().url().optional() }).optional(),
  publicKey: z.union([keyDocument, z.array(keyDocument)]).optional(),
});

export class RemoteActorError extends Error {}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

export interface RemoteKey {
  key: KeyObject;
  actorId: string;
}

export interface FetchIdentity {
  keyId: string;
  privateKey: KeyObject;
}

const KEY_MEMO_MS = 60_000;

export class RemoteActorsService {
  /** Parsed keys of recent senders: most inbox traffic comes from a few actors. */
  private readonly keyMemo = new Map<string, RemoteKey & { at: number }>();

  constructor(
    private readonly http: GuardedHttpClient,
    private readonly repo: RemoteActorsRepository,
    /** Who signs our GETs (servers in authorized-fetch mode refuse unsigned ones). */
    private readonly identity: () => Promise<FetchIdentity>,
  ) {}

  async cached(actorId: string): Promise<RemoteActorRow | null> {
    return await this.repo.find(actorId);
  }

  /** The actor, from the cache when fresh, else fetched and stored. */
  async get(actorId: string, refresh = false): Promise<RemoteActorRow> {
    const cached = refresh ? null : await this.repo.find(actorId);
    if (cached && !cached.gone_at && Date.now() - cached.fetched_at.getTime() < CACHE_TTL_MS) return cached;
    const fields = this.parseActor(await this.fetchJson(actorId), actorId);
    await this.repo.upsert(fields);
    return (await this.repo.find(fields.actor_id))!;
  }

  /** Refreshes the cache from a document the actor itself sent (an Update we verified). */
  async store(document: unknown, expectedId: string): Promise<void> {
    const fields = this.parseActor(document, expectedId);
    await this.repo.upsert(fields);
    if (fields.public_key_id) this.keyMemo.delete(fields.public_key_id);
  }

  async markGone(actorId: string): Promise<void> {
    for (const [keyId, memo] of this.keyMemo) if (memo.actorId === actorId) this.keyMemo.delete(keyId);
    await this.repo.markGone(actorId);
  }

  /** The public key behind a keyId and the actor that owns it; null when it cannot be found. */
  async keyFor(keyId: string, refresh: boolean): Promise<RemoteKey | null> {
    // The keyId is whatever the sender wrote: anything but an http(s) URL names no key we could fetch.
    if (!isHttpUrl(keyId)) return null;
    const memo = this.keyMemo.get(keyId);
    if (!refresh && memo && Date.now() - memo.at < KEY_MEMO_MS) return memo;
    try {
      let actor = refresh ? null : await this.repo.findByKeyId(keyId);
      if (!actor || Date.now() - actor.fetched_at.getTime() >= CACHE_TTL_MS) {
        const actorId = await this.ownerOf(keyId);
        actor = await this.get(actorId, true);
      }
      if (actor.public_key_id !== keyId || !actor.public_key_pem) return null;
      const found = { key: createPublicKey(actor.public_key_pem), actorId: actor.actor_id };
      if (this.keyMemo.size > 10_000) this.keyMemo.clear();
      this.keyMemo.set(keyId, { ...found, at: Date.now() });
      return found;
    } catch (err) {
      if (err instanceof RemoteActorError) return null;
      throw err;
    }
  }

  /** Mastodon's keys live at actor#main-key; others (GoToSocial) serve a key document naming its owner. */
  private async ownerOf(keyId: string): Promise<string> {
    const url = new URL(keyId);
    if (url.hash) {
      url.hash = '';
      return url.toString();
    }
    const document = await this.fetchJson(keyId);
    const asKey = keyDocument.safeParse(document);
    if (asKey.success && asKey.data.id === keyId) return asKey.data.owner;
    const asActor = actorDocument.safeParse(document);
    if (asActor.success) return asActor.data.id;
    throw new RemoteActorError(`${keyId} is neither a key nor an actor document`);
  }

  private async fetchJson(url: string): Promise<unknown> {
    const identity = await this.identity();
    const headers = signRequest({ method: 'GET', url, headers: { accept: `${ACTIVITY_JSON}, ${LD_JSON_AS}` } }, identity);
    let res;
    try {
      res = await this.http.request(url, { headers, maxBytes: ACTOR_MAX_BYTES, timeoutMs: 10_000 });
    } catch (err) {
      throw new RemoteActorError(`could not fetch ${url}: ${(err as Error).message}`);
    }
    if (res.status !== 200) {
      await res.discard();
      throw new RemoteActorError(`fetching ${url} answered ${res.status}`);
    }
    try {
      return await res.json();
    } catch (err) {
      throw new RemoteActorError(`${url} did not answer with JSON: ${(err as Error).message}`);
    }
  }

  private parseActor(document: unknown, expectedId: string): RemoteActorFields {
    const parsed = actorDocument.safeParse(document);
    if (!parsed.success) {
      throw new RemoteActorError(
        `the actor document of ${expectedId} is malformed: ${parsed.error.issues.map((i) => i.path.join('.') + ' ' + i.message).join('; ')}`,
      );
    }
    const actor = parsed.data;
    if (actor.id !== expectedId) throw new RemoteActorError(`fetched ${expectedId} but the document says it is ${actor.id}`);
    const keys = actor.publicKey === undefined ? [] : Array.isArray(actor.publicKey) ? actor.publicKey : [actor.publicKey];
    const key = keys.find((k) => k.owner === actor.id && new URL(k.id).origin === new URL(actor.id).origin);
    return {
      actor_id: actor.id,
      inbox_url: actor.inbox,
      shared_inbox_url: actor.endpoints?.sharedInbox ?? null,
      public_key_id: key?.id ?? null,
      public_key_pem: key?.publicKeyPem ?? null,
      preferred_username: actor.preferredUsername ?? null,
      name: actor.name ?? null,
      document: actor as Record<string, unknown>,
    };
  }
}
