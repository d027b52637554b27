// Activities that talk to L1s: read a run, copy content into storage with its hash checked, and register.
import { Context } from '@temporalio/activity';
import { pipeline, Transform } from 'node:stream';
import type { L1Client, L1Run } from '../clients/l1-client.js';
import { inputAssetName, type AssetType } from '../domain/asset-rules.js';
import { Conflict, Forbidden, NotFound } from '../domain/errors.js';
import type { UsersRepository } from '../db/repositories/users-repository.js';
import type { AssetView } from '../services/asset-view.js';
import type { AssetsService } from '../services/assets-service.js';
import type { SessionsService } from '../services/sessions-service.js';
import type { StorageProvider } from '../storage/storage-provider.js';
import { heartbeating } from './heartbeat.js';

export interface L1ActivityDeps {
  l1: L1Client;
  storage: StorageProvider;
  sessions: SessionsService;
  assets: AssetsService;
  users: UsersRepository;
  maxContentBytes: number;
}

export interface StoredContent {
  contentHash: string;
  size: number;
  mediaType: string | null;
}

export interface RegisterFromL1 {
  username: string;
  l1Server: string;
  name: string;
  assetType: AssetType | null;
  tags: string[];
  description: string | null;
  content: StoredContent;
}

function assetTypeFor(mediaType: string | null): AssetType {
  const top = mediaType?.split('/')[0];
  return top === 'image' || top === 'video' || top === 'audio' ? top : 'other';
}

export function createL1Activities(deps: L1ActivityDeps) {
  async function owner(username: string) {
    const user = await deps.users.findByUsername(username);
    if (!user) throw new NotFound(`User "${username}" no longer exists.`);
    return user;
  }

  return {
    /**
     * Before any bytes move: the existing asset when this is a repeat (same run, or same owner, name and hash),
     * a 409 when the hash or name belongs to something else, null when registration can go ahead.
     */
    async precheckRegistration(input: {
      username: string;
      name: string;
      contentHash: string;
      l1Server: string;
      runId: string | null;
    }): Promise<AssetView | null> {
      return await deps.assets.precheck(await owner(input.username), input);
    },

    async fetchL1Run(input: { l1Server: string; runId: string; username: string }): Promise<L1Run> {
      const token = await deps.sessions.issueForL1(input.username, input.l1Server);
      const run = await deps.l1.run(input.l1Server, input.runId, token);
      if (run.username && run.username !== input.username) {
        throw new Forbidden(
          `Run "${input.runId}" belongs to ${run.username} on ${input.l1Server}, not to ${input.username}.`,
          'run_owned_by_another',
        );
      }
      if (run.status !== 'completed') {
        throw new Conflict(
          `Run "${input.runId}" is ${run.status}, not completed; record it once it has finished.`,
          { status: run.status },
          'run_not_completed',
        );
      }
      return run;
    },

    /** Streams an L1 cache item into storage, hashing as it goes; nothing is kept unless the hash matches. */
    async storeL1Content(input: { l1Server: string; contentHash: string; username: string }): Promise<StoredContent> {
      const token = await deps.sessions.issueForL1(input.username, input.l1Server);
      const content = await deps.l1.content(input.l1Server, input.contentHash, token, deps.maxContentBytes);
      let received = 0;
      const progress = new Transform({
        transform(chunk: Buffer, _enc, done) {
          received += chunk.length;
          Context.current().heartbeat({ received });
          done(null, chunk);
        },
      });
      pipeline(content.body, progress, () => undefined);
      const stored = await deps.storage.put(progress, {
        expectedHash: input.contentHash,
        maxBytes: deps.maxContentBytes,
        mediaType: content.mediaType ?? undefined,
      });
      return { contentHash: stored.contentHash, size: stored.size, mediaType: content.mediaType };
    },

    async registerRunOutput(input: RegisterFromL1 & { run: L1Run }): Promise<AssetView> {
      return await heartbeating(async () => {
        const user = await owner(input.username);
        const { run, content } = input;
        const inputs = [...new Set(run.inputs)].map((hash) => ({
          name: inputAssetName(hash),
          contentHash: hash,
          assetType: 'other' as const,
          tags: [],
          description: null,
          ipfsCid: null,
          provenance: null,
          l1Server: input.l1Server,
          runId: null,
          sizeBytes: null,
          mediaType: null,
        }));
        return await deps.assets.registerRunOutput(
          user,
          {
            name: input.name,
            contentHash: content.contentHash,
            assetType: input.assetType ?? assetTypeFor(content.mediaType),
            tags: input.tags,
            description: input.description,
            ipfsCid: run.output_cid ?? null,
            provenance: {
              inputs: run.inputs,
              recipe: run.recipe ?? null,
              recipe_cid: run.recipe_cid ?? null,
              l1_server: input.l1Server,
              run_id: run.run_id,
              output: { content_hash: content.contentHash, ipfs_cid: run.output_cid ?? null },
            },
            l1Server: input.l1Server,
            runId: run.run_id,
            sizeBytes: content.size,
            mediaType: content.mediaType,
          },
          inputs,
        );
      });
    },

    async registerCacheItem(input: RegisterFromL1): Promise<AssetView> {
      return await heartbeating(async () => {
        const user = await owner(input.username);
        const { content } = input;
        const { asset } = await deps.assets.register(user, {
          name: input.name,
          contentHash: content.contentHash,
          assetType: input.assetType ?? assetTypeFor(content.mediaType),
          tags: input.tags,
          description: input.description,
          ipfsCid: null,
          provenance: {
            inputs: [],
            recipe: null,
            recipe_cid: null,
            l1_server: input.l1Server,
            run_id: null,
            output: { content_hash: content.contentHash, ipfs_cid: null },
          },
          l1Server: input.l1Server,
          runId: null,
          sizeBytes: content.size,
          mediaType: content.mediaType,
        });
        return asset;
      });
    },
  };
}
