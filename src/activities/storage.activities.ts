// Pinning activities: copy an asset's verified bytes from the server's store to each of its owner's
// providers; the provider checks the hash again on the way in, and the outcome is recorded per provider.
import { NotFound, Unprocessable } from '../domain/errors.js';
import type { Repositories } from '../db/repositories/index.js';
import type { StorageService } from '../services/storage-service.js';
import { heartbeating } from './heartbeat.js';

export function createStorageActivities(deps: { repos: Repositories; storage: StorageService; maxContentBytes: number }) {
  const { repos, storage } = deps;

  async function asset(contentHash: string) {
    const row = await repos.assets.findByHash(contentHash);
    if (!row) throw new NotFound(`No asset with content ${contentHash}.`);
    return row;
  }

  return {
    /** The providers to pin to (the owner's enabled ones); none when the server holds no copy to pin from. */
    async planPins(input: { contentHash: string }): Promise<number[]> {
      const row = await asset(input.contentHash);
      if (!(await storage.serverStore.has(input.contentHash))) return [];
      const providers = await storage.enabled(row.owner_id);
      await repos.storage.planPins(
        row.id,
        providers.map((p) => p.id),
      );
      return providers.map((p) => p.id);
    },

    async pinToProvider(input: { contentHash: string; providerId: number }): Promise<{ status: 'pinned' | 'skipped' }> {
      return await heartbeating(async () => {
        const row = await asset(input.contentHash);
        const provider = await repos.storage.find(input.providerId);
        if (!provider || !provider.enabled) return { status: 'skipped' };
        const source = await storage.serverStore.get(input.contentHash);
        if (!source) throw new Unprocessable('The server has no copy of this content to pin from.', undefined, 'content_missing');
        try {
          const stored = await (
            await storage.provider(provider)
          ).put(source, { expectedHash: input.contentHash, maxBytes: deps.maxContentBytes, mediaType: row.media_type ?? undefined });
          await repos.storage.recordPin(row.id, provider.id, { status: 'pinned', location: stored.location, cid: stored.cid });
          if (stored.cid && !row.ipfs_cid) await repos.assets.setIpfsCid(row.id, stored.cid);
          return { status: 'pinned' };
        } catch (err) {
          // Keep the error visible on the asset page while the workflow retries.
          await repos.storage.recordPin(row.id, provider.id, { status: 'pending', error: (err as Error).message });
          throw err;
        }
      });
    },

    async recordPinFailure(input: { contentHash: string; providerId: number; error: string }): Promise<void> {
      const row = await asset(input.contentHash);
      await repos.storage.recordPin(row.id, input.providerId, { status: 'failed', error: input.error });
    },
  };
}
