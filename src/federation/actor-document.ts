// The ActivityPub Person document for a local user.
import { ACTIVITY_CONTEXT, actorUrl, type Instance } from '../domain/activity-streams.js';

export interface LocalActor {
  username: string;
  displayName: string | null;
  summary: string | null;
  locked: boolean;
  createdAt: Date;
  keyId: string;
  publicKeyPem: string;
}

export function actorDocument(instance: Instance, actor: LocalActor): Record<string, unknown> {
  const id = actorUrl(instance, actor.username);
  return {
    '@context': [
      ...ACTIVITY_CONTEXT,
      { manuallyApprovesFollowers: 'as:manuallyApprovesFollowers', toot: 'http://joinmastodon.org/ns#', discoverable: 'toot:discoverable' },
    ],
    id,
    type: 'Person',
    preferredUsername: actor.username,
    name: actor.displayName ?? actor.username,
    summary: actor.summary ?? '',
    url: id,
    inbox: `${id}/inbox`,
    outbox: `${id}/outbox`,
    followers: `${id}/followers`,
    following: `${id}/following`,
    endpoints: { sharedInbox: `${instance.publicUrl}/inbox` },
    manuallyApprovesFollowers: actor.locked,
    discoverable: true,
    published: actor.createdAt.toISOString(),
    publicKey: { id: actor.keyId, owner: id, publicKeyPem: actor.publicKeyPem },
  };
}
