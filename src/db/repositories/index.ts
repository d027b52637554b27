// All repositories over one knex instance, built together so services receive a single dependency.
import type { Db } from '../knex.js';
import { RevokedTokensRepository } from './revoked-tokens-repository.js';
import { StatsRepository } from './stats-repository.js';
import { UsersRepository } from './users-repository.js';

export interface Repositories {
  users: UsersRepository;
  revokedTokens: RevokedTokensRepository;
  stats: StatsRepository;
}

export function createRepositories(db: Db): Repositories {
  return {
    users: new UsersRepository(db),
    revokedTokens: new RevokedTokensRepository(db),
    stats: new StatsRepository(db),
  };
}
