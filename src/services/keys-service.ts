// Each user's RSA-2048 signing key: made once (at registration, or on first use), cached as KeyObjects.
import { createPrivateKey, generateKeyPair as generateKeyPairCb, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { actorUrl, type Instance } from '../domain/activity-streams.js';
import type { SigningKey } from '../domain/activity-signature.js';
import type { ActorKeysRepository } from '../db/repositories/actor-keys-repository.js';

const generateKeyPair = promisify(generateKeyPairCb);

export interface UserKey extends SigningKey {
  publicKeyPem: string;
  /** The actor_keys row, to notice a rotation. */
  rowId: number;
}

export async function newRsaKeyPair(): Promise<{ publicKeyPem: string; privateKeyPem: string }> {
  const { publicKey, privateKey } = await generateKeyPair('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { publicKeyPem: publicKey, privateKeyPem: privateKey };
}

export class KeysService {
  private readonly cache = new Map<number, UserKey>();

  constructor(
    private readonly keys: ActorKeysRepository,
    private readonly instance: Instance,
  ) {}

  forget(userId: number): void {
    this.cache.delete(userId);
  }

  keyIdFor(username: string): string {
    return `${actorUrl(this.instance, username)}#main-key`;
  }

  /**
   * The user's active signing key, made now if they have none. `fresh` checks that the cached key is still
   * the active one (a rotation in another process); HTTP deliveries ask for that, embedded signatures need not.
   */
  async signingKey(user: { id: number; username: string }, options: { fresh?: boolean } = {}): Promise<UserKey> {
    const cached = this.cache.get(user.id);
    if (cached && (!options.fresh || (await this.keys.activeId(user.id)) === cached.rowId)) return cached;
    let row = await this.keys.active(user.id);
    if (!row) {
      const pair = await newRsaKeyPair();
      row = await this.keys.insertIfNone({
        user_id: user.id,
        key_id: this.keyIdFor(user.username),
        public_key_pem: pair.publicKeyPem,
        private_key_pem: pair.privateKeyPem,
      });
    }
    const privateKey: KeyObject = createPrivateKey(row.private_key_pem);
    const key = { keyId: row.key_id, privateKey, publicKeyPem: row.public_key_pem, rowId: row.id };
    this.cache.set(user.id, key);
    return key;
  }
}
