// Changes to a local actor that peers must hear about: key rotation (and key import) publish an Update
// of the actor, signed with the new key and planned for delivery to every follower in the same transaction.
import { createPrivateKey, createPublicKey, randomUUID } from 'node:crypto';
import { activityUrl, actorUrl, AS_PUBLIC, type Instance } from '../domain/activity-streams.js';
import { signActivity } from '../domain/activity-signature.js';
import { BadRequest } from '../domain/errors.js';
import type { Db } from '../db/knex.js';
import type { Repositories } from '../db/repositories/index.js';
import type { UserRow } from '../db/repositories/users-repository.js';
import { actorDocument } from '../federation/actor-document.js';
import type { DeliveryService } from './delivery-service.js';
import { newRsaKeyPair, type KeysService } from './keys-service.js';

export interface KeyPairPem {
  publicKeyPem: string;
  privateKeyPem: string;
}

/** Checks an imported pair: PEM that parses, RSA, and the public key belonging to the private one. */
export function checkKeyPair(pair: KeyPairPem): void {
  let privateKey, publicKey;
  try {
    privateKey = createPrivateKey(pair.privateKeyPem);
    publicKey = createPublicKey(pair.publicKeyPem);
  } catch (err) {
    throw new BadRequest(`The key pair is not valid PEM: ${(err as Error).message}`, undefined, 'invalid_key');
  }
  if (privateKey.asymmetricKeyType !== 'rsa')
    throw new BadRequest('Only RSA keys are supported for ActivityPub signatures.', undefined, 'invalid_key');
  const derived = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  if (!derived.equals(publicKey.export({ type: 'spki', format: 'der' }))) {
    throw new BadRequest('The public key does not belong to the private key.', undefined, 'invalid_key');
  }
}

export class ActorService {
  constructor(
    private readonly db: Db,
    private readonly repos: Repositories,
    private readonly keys: KeysService,
    private readonly instance: Instance,
    private readonly delivery: Pick<DeliveryService, 'start'>,
  ) {}

  /** Replaces the user's key (a new one, or the given pair) and announces it; returns the Update's id. */
  async rotateKey(user: UserRow, pair?: KeyPairPem): Promise<{ keyId: string; activityId: string; followers: number }> {
    const next = pair ?? (await newRsaKeyPair());
    if (pair) checkKeyPair(pair);
    const keyId = this.keys.keyIdFor(user.username);
    const actor = actorUrl(this.instance, user.username);
    const published = new Date();
    const uuid = randomUUID();
    const { '@context': context, ...object } = actorDocument(this.instance, this.localActor(user, keyId, next.publicKeyPem));
    const update = {
      '@context': context,
      id: activityUrl(this.instance, uuid),
      type: 'Update',
      actor,
      published: published.toISOString(),
      to: [AS_PUBLIC],
      cc: [`${actor}/followers`],
      object,
    };
    const { raw } = await signActivity(update, { keyId, privateKey: createPrivateKey(next.privateKeyPem) }, published.toISOString());
    const planned = await this.db.transaction(async (trx) => {
      await this.repos.actorKeys.replace(trx, {
        user_id: user.id,
        key_id: keyId,
        public_key_pem: next.publicKeyPem,
        private_key_pem: next.privateKeyPem,
      });
      const rowId = await this.repos.activities.insert(trx, {
        uuid,
        activity_id: update.id,
        activity_type: 'Update',
        actor_user_id: user.id,
        actor_id: actor,
        object_id: actor,
        asset_id: null,
        raw,
        published_at: published,
      });
      return { rowId, count: await this.repos.deliveries.planForFollowers(trx, rowId, user.id) };
    });
    this.keys.forget(user.id);
    if (planned.count > 0) await this.delivery.start([{ id: planned.rowId, activityId: update.id }]);
    return { keyId, activityId: update.id, followers: planned.count };
  }

  private localActor(user: UserRow, keyId: string, publicKeyPem: string) {
    return {
      username: user.username,
      displayName: user.display_name,
      summary: user.summary,
      locked: user.locked,
      createdAt: user.created_at,
      keyId,
      publicKeyPem,
    };
  }
}
