// Builds the application services from their dependencies; routes and activities receive this bundle.
import type { Config } from '../config.js';
import type { Db } from '../db/knex.js';
import { createRepositories, type Repositories } from '../db/repositories/index.js';
import { sessionKey } from '../domain/session-token.js';
import path from 'node:path';
import { GuardedHttpClient } from '../clients/guarded-fetch.js';
import { L1Client } from '../clients/l1-client.js';
import type { Instance } from '../domain/activity-streams.js';
import { SOFTWARE_VERSION } from '../domain/software.js';
import { LocalStorageProvider } from '../storage/local-provider.js';
import { StorageOutbound } from '../storage/storage-outbound.js';
import { StorageService } from './storage-service.js';
import { AccountsService } from './accounts-service.js';
import { AssetsService } from './assets-service.js';
import { KeysService } from './keys-service.js';
import { ReadinessService } from './readiness-service.js';
import { JobsService } from './jobs-service.js';
import { temporalProbe } from '../temporal/client.js';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { DeliveryService } from './delivery-service.js';
import { ActorService } from './actor-service.js';
import { AnchorsService } from './anchors-service.js';
import { CalendarClient } from '../clients/calendar-client.js';
import { EsploraHeaderSource } from '../clients/esplora-client.js';
import { InboxService } from './inbox-service.js';
import { RemoteActorsService } from './remote-actors-service.js';
import { SessionCache } from './session-cache.js';
import { SessionsService } from './sessions-service.js';
import { RenderersService } from './renderers-service.js';
import { DeviceAuthService } from './device-auth-service.js';

export interface Services {
  instance: Instance;
  http: GuardedHttpClient;
  l1: L1Client;
  storage: StorageService;
  repos: Repositories;
  keys: KeysService;
  delivery: DeliveryService;
  assets: AssetsService;
  remoteActors: RemoteActorsService;
  inbox: InboxService;
  actors: ActorService;
  anchors: AnchorsService;
  sessionCache: SessionCache;
  accounts: AccountsService;
  sessions: SessionsService;
  readiness: ReadinessService;
  jobs: JobsService;
  renderers: RenderersService;
  deviceAuth: DeviceAuthService;
}

export interface ServiceDeps {
  config: Config;
  db: Db;
  jwtSecret: string;
  /** AES-256 key that seals storage credentials. */
  storageKey: Buffer;
  temporal: Client;
  logger: Logger;
}

export async function createServices(deps: ServiceDeps): Promise<Services> {
  const { config, db } = deps;
  const repos = createRepositories(db);
  const sessionCache = new SessionCache();
  const instance: Instance = { publicUrl: config.publicUrl, domain: config.domain };
  const keys = new KeysService(repos.actorKeys, instance);
  const delivery = new DeliveryService(deps.temporal, repos, config.temporal.taskQueue, config.deliveryRetryDelays, deps.logger);
  const http = new GuardedHttpClient({
    allowPrivateNetwork: config.allowPrivateNetwork,
    userAgent: `artdag-l2/${SOFTWARE_VERSION} (+${config.publicUrl})`,
  });
  // Our GETs are signed by the operator's key, for servers that refuse unsigned fetches.
  const remoteActors = new RemoteActorsService(http, repos.remoteActors, async () => {
    const operator = await repos.users.findByUsername(config.operatorUser);
    if (!operator) throw new Error(`the operator account "${config.operatorUser}" does not exist yet`);
    const key = await keys.signingKey(operator);
    return { keyId: key.keyId, privateKey: key.privateKey };
  });
  const tokenSettings = { secret: await sessionKey(deps.jwtSecret), issuer: config.publicUrl, ttlSeconds: config.sessionTtlSeconds };
  const sessions = new SessionsService(tokenSettings, repos.users, repos.revokedTokens, sessionCache);
  return {
    instance,
    http,
    l1: new L1Client(http),
    storage: new StorageService(
      repos.storage,
      new LocalStorageProvider(path.join(config.dataDir, 'content')),
      deps.storageKey,
      new StorageOutbound({
        allowPrivateNetwork: config.allowPrivateNetwork,
        privateHosts: config.storagePrivateHosts,
        userAgent: `artdag-l2/${SOFTWARE_VERSION} (+${config.publicUrl})`,
      }),
    ),
    repos,
    keys,
    delivery,
    assets: new AssetsService(db, repos, keys, instance, delivery),
    remoteActors,
    inbox: new InboxService(db, repos, remoteActors, keys, delivery, instance),
    actors: new ActorService(db, repos, keys, instance, delivery),
    anchors: new AnchorsService(db, repos, new CalendarClient(http), new EsploraHeaderSource(http, config.ots.esploraUrl), config.ots),
    sessionCache,
    accounts: new AccountsService(repos.users, keys, config.operatorUser),
    sessions,
    readiness: new ReadinessService({ database: () => repos.stats.ping(), temporal: temporalProbe(deps.temporal) }),
    jobs: new JobsService(deps.temporal, config.temporal.taskQueue),
    renderers: new RenderersService(
      tokenSettings,
      repos.renderers,
      repos.users,
      config.l1Servers,
      instance,
      deps.temporal,
      config.temporal.taskQueue,
      deps.logger,
    ),
    deviceAuth: new DeviceAuthService(repos.deviceCodes, repos.users, sessions, config.publicUrl),
  };
}
