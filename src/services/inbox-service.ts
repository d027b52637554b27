// Receives activities at our inboxes: shape check, HTTP signature (key owner must be the actor), stored once
// by id, then handled in the same transaction. Heavy work (deliveries) is started after commit.
import type { Knex } from 'knex';
import { BadRequest, NotFound, Unauthorized } from '../domain/errors.js';
import type { Db } from '../db/knex.js';
import type { Repositories } from '../db/repositories/index.js';
import type { UserRow } from '../db/repositories/users-repository.js';
import { verifyRequest, type IncomingRequest } from '../federation/http-signatures.js';
import type { DeliveryService } from './delivery-service.js';
import { handleActivity, type HandlerContext, type InboundActivity } from './inbox-handlers.js';
import type { RemoteActorsService } from './remote-actors-service.js';
import type { KeysService } from './keys-service.js';
import type { Instance } from '../domain/activity-streams.js';

export interface InboxResult {
  status: 202;
  outcome: 'accepted' | 'duplicate' | 'ignored';
}

function idOf(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string') return (value as { id: string }).id;
  return null;
}

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

function isUrl(value: string | null): value is string {
  return value !== null && /^https?:\/\/[^\s]+$/.test(value);
}

export class InboxService {
  constructor(
    private readonly db: Db,
    private readonly repos: Repositories,
    private readonly remoteActors: RemoteActorsService,
    private readonly keys: KeysService,
    private readonly delivery: Pick<DeliveryService, 'start'>,
    private readonly instance: Instance,
  ) {}

  async receive(request: IncomingRequest, recipientUsername: string | null): Promise<InboxResult> {
    let recipient: UserRow | null = null;
    if (recipientUsername !== null) {
      recipient = await this.repos.users.findByUsername(recipientUsername);
      if (!recipient) throw new NotFound(`No user "${recipientUsername}" on ${this.instance.domain}.`);
    }
    const activity = this.parse(request.body);

    // A deleted account announces itself to everyone; if we never knew it there is nothing to verify or do.
    if (activity.type === 'Delete' && activity.objectId === activity.actorId && !(await this.remoteActors.cached(activity.actorId))) {
      return { status: 202, outcome: 'ignored' };
    }

    const owners = new Map<string, string>();
    const verified = await verifyRequest(request, {
      getKey: async (keyId, refresh) => {
        const found = await this.remoteActors.keyFor(keyId, refresh);
        if (found) owners.set(keyId, found.actorId);
        return found?.key ?? null;
      },
    });
    if (!verified.ok) throw new Unauthorized(`HTTP signature refused: ${verified.message}`, `signature_${verified.failure}`);
    const signer = owners.get(verified.keyId);
    if (signer !== activity.actorId) {
      throw new Unauthorized(
        `The request is signed by ${signer ?? verified.keyId}, but the activity's actor is ${activity.actorId}.`,
        'signature_actor_mismatch',
      );
    }
    // The host answered us with a verified request, so it is alive: clear any unavailability.
    await this.repos.deliveries.hostHeardFrom(new URL(activity.actorId).host);

    const toDeliver: { id: number; activityId: string }[] = [];
    const isNew = await this.db.transaction(async (trx: Knex) => {
      const stored = await this.repos.inbox.insertIfNew(trx, {
        activity_id: activity.id,
        activity_type: activity.type,
        actor_id: activity.actorId,
        object_id: activity.objectId,
        recipient_user_id: recipient?.id ?? null,
        raw: request.body!.toString('utf8'),
        signature_scheme: verified.scheme,
      });
      if (!stored) return false;
      const context: HandlerContext = {
        trx,
        repos: this.repos,
        remoteActors: this.remoteActors,
        keys: this.keys,
        instance: this.instance,
        toDeliver,
      };
      await handleActivity(context, activity);
      return true;
    });
    if (!isNew) return { status: 202, outcome: 'duplicate' };
    await this.delivery.start(toDeliver);
    return { status: 202, outcome: 'accepted' };
  }

  private parse(body: Buffer | undefined): InboundActivity {
    if (!body || body.length === 0)
      throw new BadRequest('Empty body: send an ActivityStreams activity as JSON.', undefined, 'invalid_activity');
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch (err) {
      throw new BadRequest(`The body is not JSON: ${(err as Error).message}`, undefined, 'invalid_activity');
    }
    if (!json || typeof json !== 'object' || Array.isArray(json))
      throw new BadRequest('The body must be a JSON object (an activity).', undefined, 'invalid_activity');
    const doc = json as Record<string, unknown>;
    const id = idOf(doc.id);
    const actorId = idOf(doc.actor);
    if (!isUrl(id)) throw new BadRequest('The activity needs an "id" URL.', undefined, 'invalid_activity');
    if (typeof doc.type !== 'string') throw new BadRequest('The activity needs a "type".', undefined, 'invalid_activity');
    if (!isUrl(actorId)) throw new BadRequest('The activity needs an "actor" URL.', undefined, 'invalid_activity');
    // Ids are deduplicated for good, so an actor may only use ids on its own server: an id on another origin
    // would let it pre-empt that server's real activity with the same id, which would then be dropped as a replay.
    if (originOf(id) === null || originOf(id) !== originOf(actorId)) {
      throw new BadRequest(`The activity id ${id} is not on the server of its actor ${actorId}.`, undefined, 'activity_id_origin');
    }
    return { id, type: doc.type, actorId, objectId: idOf(doc.object), object: doc.object, document: doc };
  }
}
