// Builds the application services from their dependencies; routes and activities receive this bundle.
import type { Config } from '../config.js';
import type { Db } from '../db/knex.js';
import { createRepositories, type Repositories } from '../db/repositories/index.js';
import { sessionKey } from '../domain/session-token.js';
import type { Instance } from '../domain/activity-streams.js';
import { AccountsService } from './accounts-service.js';
import { AssetsService } from './assets-service.js';
import { KeysService } from './keys-service.js';
import { ReadinessService, type Probe } from './readiness-service.js';
import { SessionCache } from './session-cache.js';
import { SessionsService } from './sessions-service.js';

export interface Services {
  instance: Instance;
  repos: Repositories;
  keys: KeysService;
  assets: AssetsService;
  sessionCache: SessionCache;
  accounts: AccountsService;
  sessions: SessionsService;
  readiness: ReadinessService;
}

export async function createServices(deps: { config: Config; db: Db; jwtSecret: string; temporalProbe: Probe }): Promise<Services> {
  const { config, db } = deps;
  const repos = createRepositories(db);
  const sessionCache = new SessionCache();
  const instance: Instance = { publicUrl: config.publicUrl, domain: config.domain };
  const keys = new KeysService(repos.actorKeys, instance);
  return {
    instance,
    repos,
    keys,
    assets: new AssetsService(db, repos, keys, instance),
    sessionCache,
    accounts: new AccountsService(repos.users, keys, config.operatorUser),
    sessions: new SessionsService(
      { secret: await sessionKey(deps.jwtSecret), issuer: config.publicUrl, ttlSeconds: config.sessionTtlSeconds },
      repos.users,
      repos.revokedTokens,
      sessionCache,
    ),
    readiness: new ReadinessService({ database: () => repos.stats.ping(), temporal: deps.temporalProbe }),
  };
}
