// Keeps a SessionCache current: LISTEN first, then load the revocations, buffering notifications that
// arrive during the load so none is lost; the cache goes dark whenever the listener is disconnected.
import type { Logger } from 'pino';
import { ChannelListener } from '../db/listener.js';
import type { RevokedTokensRepository } from '../db/repositories/revoked-tokens-repository.js';
import type { SessionCache } from './session-cache.js';

export const AUTH_CHANNEL = 'artdag_auth';

export class SessionSync {
  private readonly listener: ChannelListener;
  private buffer: string[] | null = null;
  private pruneTimer: NodeJS.Timeout | undefined;

  constructor(
    databaseUrl: string,
    private readonly cache: SessionCache,
    private readonly revoked: RevokedTokensRepository,
    logger: Logger,
  ) {
    this.listener = new ChannelListener(
      databaseUrl,
      AUTH_CHANNEL,
      {
        onConnected: () => this.reload(),
        onDisconnected: () => cache.invalidate(),
        onNotification: (payload) => (this.buffer ? this.buffer.push(payload) : cache.apply(payload)),
      },
      logger,
    );
  }

  async start(): Promise<void> {
    await this.listener.start();
    this.pruneTimer = setInterval(() => this.cache.prune(), 10 * 60_000);
    this.pruneTimer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.pruneTimer);
    this.cache.invalidate();
    await this.listener.stop();
  }

  private async reload(): Promise<void> {
    this.buffer = [];
    try {
      const revocations = await this.revoked.listUnexpired(new Date());
      this.cache.reset(revocations);
      for (const payload of this.buffer) this.cache.apply(payload);
    } finally {
      this.buffer = null;
    }
  }
}
