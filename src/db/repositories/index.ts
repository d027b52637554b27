// All repositories over one knex instance, built together so services receive a single dependency.
import type { Db } from '../knex.js';
import { ActivitiesRepository } from './activities-repository.js';
import { ActorKeysRepository } from './actor-keys-repository.js';
import { AnchorsRepository } from './anchors-repository.js';
import { AssetsRepository } from './assets-repository.js';
import { DeliveriesRepository } from './deliveries-repository.js';
import { DeviceCodesRepository } from './device-codes-repository.js';
import { RenderersRepository } from './renderers-repository.js';
import { FollowersRepository } from './followers-repository.js';
import { InboxActivitiesRepository } from './inbox-activities-repository.js';
import { InteractionsRepository } from './interactions-repository.js';
import { RemoteActorsRepository } from './remote-actors-repository.js';
import { RevokedTokensRepository } from './revoked-tokens-repository.js';
import { RateLimitsRepository } from './rate-limits-repository.js';
import { StatsRepository } from './stats-repository.js';
import { StorageProvidersRepository } from './storage-providers-repository.js';
import { UsersRepository } from './users-repository.js';

export interface Repositories {
  users: UsersRepository;
  revokedTokens: RevokedTokensRepository;
  stats: StatsRepository;
  assets: AssetsRepository;
  activities: ActivitiesRepository;
  actorKeys: ActorKeysRepository;
  followers: FollowersRepository;
  remoteActors: RemoteActorsRepository;
  inbox: InboxActivitiesRepository;
  deliveries: DeliveriesRepository;
  interactions: InteractionsRepository;
  anchors: AnchorsRepository;
  storage: StorageProvidersRepository;
  renderers: RenderersRepository;
  deviceCodes: DeviceCodesRepository;
  rateLimits: RateLimitsRepository;
}

export function createRepositories(db: Db): Repositories {
  return {
    users: new UsersRepository(db),
    revokedTokens: new RevokedTokensRepository(db),
    stats: new StatsRepository(db),
    assets: new AssetsRepository(db),
    activities: new ActivitiesRepository(db),
    actorKeys: new ActorKeysRepository(db),
    followers: new FollowersRepository(db),
    remoteActors: new RemoteActorsRepository(db),
    inbox: new InboxActivitiesRepository(db),
    deliveries: new DeliveriesRepository(db),
    interactions: new InteractionsRepository(db),
    anchors: new AnchorsRepository(db),
    storage: new StorageProvidersRepository(db),
    renderers: new RenderersRepository(db),
    deviceCodes: new DeviceCodesRepository(db),
    rateLimits: new RateLimitsRepository(db),
  };
}
