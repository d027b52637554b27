// All repositories over one knex instance, built together so services receive a single dependency.
import type { Db } from '../knex.js';
import { ActivitiesRepository } from './activities-repository.js';
import { ActorKeysRepository } from './actor-keys-repository.js';
import { AssetsRepository } from './assets-repository.js';
import { RevokedTokensRepository } from './revoked-tokens-repository.js';
import { StatsRepository } from './stats-repository.js';
import { UsersRepository } from './users-repository.js';

export interface Repositories {
  users: UsersRepository;
  revokedTokens: RevokedTokensRepository;
  stats: StatsRepository;
  assets: AssetsRepository;
  activities: ActivitiesRepository;
  actorKeys: ActorKeysRepository;
}

export function createRepositories(db: Db): Repositories {
  return {
    users: new UsersRepository(db),
    revokedTokens: new RevokedTokensRepository(db),
    stats: new StatsRepository(db),
    assets: new AssetsRepository(db),
    activities: new ActivitiesRepository(db),
    actorKeys: new ActorKeysRepository(db),
  };
}
