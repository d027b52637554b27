// Builds the application services from their dependencies; routes and activities receive this bundle.
import type { Config } from '../config.js';
import type { Db } from '../db/knex.js';
import { createRepositories, type Repositories } from '../db/repositories/index.js';
import { AccountsService } from './accounts-service.js';
import { ReadinessService, type Probe } from './readiness-service.js';
import { SessionsService } from './sessions-service.js';

export interface Services {
  repos: Repositories;
  accounts: AccountsService;
  sessions: SessionsService;
  readiness: ReadinessService;
}

export function createServices(deps: { config: Config; db: Db; jwtSecret: Uint8Array; temporalProbe: Probe }): Services {
  const { config, db } = deps;
  const repos = createRepositories(db);
  return {
    repos,
    accounts: new AccountsService(repos.users, config.operatorUser),
    sessions: new SessionsService(
      { secret: deps.jwtSecret, issuer: config.publicUrl, ttlSeconds: config.sessionTtlSeconds },
      repos.users,
      repos.revokedTokens,
    ),
    readiness: new ReadinessService({ database: () => repos.stats.ping(), temporal: deps.temporalProbe }),
  };
}
