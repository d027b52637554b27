// Registering and changing assets: every change writes the asset and its signed activity in one transaction.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import {
  activityUrl,
  actorUrl,
  assetActivity,
  handleOf,
  objectUrl,
  type AssetDescription,
  type Instance,
  type Provenance,
} from '../domain/activity-streams.js';
import { signActivity } from '../domain/activity-signature.js';
import type { AssetType } from '../domain/asset-rules.js';
import { Conflict, Forbidden, NotFound } from '../domain/errors.js';
import type { Db } from '../db/knex.js';
import type { AssetRow, NewAsset } from '../db/repositories/assets-repository.js';
import type { Repositories } from '../db/repositories/index.js';
import type { UserRow } from '../db/repositories/users-repository.js';
import { assetView, type AssetView } from './asset-view.js';
import type { DeliveryService } from './delivery-service.js';
import type { KeysService, UserKey } from './keys-service.js';

export interface AssetDraft {
  name: string;
  contentHash: string;
  assetType: AssetType;
  tags: string[];
  description: string | null;
  ipfsCid: string | null;
  provenance: Provenance | null;
  l1Server: string | null;
  runId: string | null;
  sizeBytes: number | null;
  mediaType: string | null;
}

export interface AssetPatch {
  description?: string | null;
  tags?: string[];
  assetType?: AssetType;
}

type Owner = Pick<UserRow, 'id' | 'username'>;

const UNIQUE_VIOLATION = '23505';

function constraintOf(err: unknown): string | null {
  const e = err as { code?: string; constraint?: string };
  return e?.code === UNIQUE_VIOLATION ? (e.constraint ?? 'unknown') : null;
}

export class AssetsService {
  constructor(
    private readonly db: Db,
    private readonly repos: Repositories,
    private readonly keys: KeysService,
    private readonly instance: Instance,
    private readonly delivery: Pick<DeliveryService, 'start'>,
  ) {}

  view(row: AssetRow): AssetView {
    return assetView(row, this.instance);
  }

  /** Registers one asset; repeating the same registration returns the existing asset with created=false. */
  async register(owner: Owner, draft: AssetDraft): Promise<{ asset: AssetView; created: boolean }> {
    const key = await this.keys.signingKey(owner);
    const now = new Date();
    const activity = await this.signed(key, 'Create', this.describe(owner, draft, now), now);
    try {
      const inserted = await this.repos.assets.insertWithActivity(this.newAsset(owner, draft, now), {
        ...activity,
        actor_user_id: owner.id,
        asset_id: null,
      });
      if (inserted.planned > 0) await this.delivery.start([{ id: inserted.activityRowId, activityId: activity.activity_id }]);
      return { asset: this.view(this.rowFor(inserted.assetId, owner, draft, now, activity.activity_id)), created: true };
    } catch (err) {
      // Conflicts are found by the unique indexes, which also settles concurrent identical requests.
      if (!constraintOf(err)) throw err;
      const existing = await this.repos.assets.findByHash(draft.contentHash);
      if (existing && existing.owner_id === owner.id && existing.name === draft.name) return { asset: this.view(existing), created: false };
      if (existing) throw this.hashTaken(existing);
      throw this.nameTaken(draft.name);
    }
  }

  /**
   * Registers the output of an L1 run and any of its inputs not yet registered, in one transaction.
   * A retry (same L1 and run id) returns the asset made the first time.
   */
  async registerRunOutput(owner: Owner, output: AssetDraft, inputs: AssetDraft[]): Promise<AssetView> {
    const previous = output.runId ? await this.repos.assets.findByRun(output.l1Server, output.runId) : null;
    if (previous) return this.view(previous);
    await this.refuseTaken(output);
    const known = new Set((await this.repos.assets.findByHashes(inputs.map((i) => i.contentHash))).map((a) => a.content_hash));
    const fresh = inputs.filter((i) => !known.has(i.contentHash) && i.contentHash !== output.contentHash);
    try {
      await this.insertAll(owner, [...fresh, output]);
    } catch (err) {
      // Lost a race with an identical retry: the asset exists now, which is what the caller wanted.
      const again = output.runId ? await this.repos.assets.findByRun(output.l1Server, output.runId) : null;
      if (again) return this.view(again);
      throw err;
    }
    return this.view((await this.repos.assets.findByHash(output.contentHash))!);
  }

  /** See precheckRegistration: lets long jobs fail fast before downloading anything. */
  async precheck(
    owner: Owner,
    target: { name: string; contentHash: string; l1Server: string; runId: string | null },
  ): Promise<AssetView | null> {
    if (target.runId) {
      const previous = await this.repos.assets.findByRun(target.l1Server, target.runId);
      if (previous) return this.view(previous);
    }
    const byHash = await this.repos.assets.findByHash(target.contentHash);
    if (byHash && !target.runId && byHash.owner_id === owner.id && byHash.name === target.name) return this.view(byHash);
    if (byHash) throw this.hashTaken(byHash);
    if (await this.repos.assets.findByName(target.name)) throw this.nameTaken(target.name);
    return null;
  }

  async update(owner: Owner, name: string, patch: AssetPatch): Promise<AssetView> {
    const asset = await this.repos.assets.findByName(name);
    if (!asset) throw new NotFound(`No asset named "${name}".`);
    if (asset.owner_id !== owner.id) {
      throw new Forbidden(`Only the owner (${handleOf(this.instance, asset.owner_username)}) can change "${name}".`, 'not_owner');
    }
    const now = new Date();
    const next = {
      description: patch.description !== undefined ? patch.description : asset.description,
      tags: patch.tags ?? asset.tags,
      asset_type: patch.assetType ?? asset.asset_type,
      updated_at: now,
    };
    const description = this.describe(
      owner,
      {
        name: asset.name,
        contentHash: asset.content_hash,
        assetType: next.asset_type,
        tags: next.tags,
        description: next.description,
        ipfsCid: asset.ipfs_cid,
        provenance: asset.provenance,
        l1Server: asset.l1_server,
        runId: asset.run_id,
        sizeBytes: asset.size_bytes,
        mediaType: asset.media_type,
      },
      asset.created_at,
    );
    description.updated = now.toISOString();
    const key = await this.keys.signingKey(owner);
    const activity = await this.signed(key, 'Update', description, now);
    const planned = await this.db.transaction(async (trx) => {
      await this.repos.assets.update(trx, asset.id, next);
      const rowId = await this.repos.activities.insert(trx, { ...activity, asset_id: asset.id, actor_user_id: owner.id });
      return (await this.repos.deliveries.planForFollowers(trx, rowId, owner.id)) > 0
        ? [{ id: rowId, activityId: activity.activity_id }]
        : [];
    });
    await this.delivery.start(planned);
    return this.view((await this.repos.assets.findByName(name))!);
  }

  private async refuseTaken(draft: AssetDraft): Promise<void> {
    const byHash = await this.repos.assets.findByHash(draft.contentHash);
    if (byHash) throw this.hashTaken(byHash);
    const byName = await this.repos.assets.findByName(draft.name);
    if (byName) throw this.nameTaken(draft.name);
  }

  private hashTaken(existing: AssetRow): Conflict {
    const owner = handleOf(this.instance, existing.owner_username);
    return new Conflict(
      `Content ${existing.content_hash} is already registered by ${owner} as "${existing.name}"; a content hash is registered once.`,
      { owner, name: existing.name, content_hash: existing.content_hash },
      'content_already_registered',
    );
  }

  private nameTaken(name: string): Conflict {
    return new Conflict(`The asset name "${name}" is already taken; choose another.`, { field: 'name' }, 'name_taken');
  }

  private newAsset(owner: Owner, draft: AssetDraft, createdAt: Date): NewAsset {
    return {
      name: draft.name,
      content_hash: draft.contentHash,
      ipfs_cid: draft.ipfsCid,
      asset_type: draft.assetType,
      owner_id: owner.id,
      description: draft.description,
      tags: draft.tags,
      provenance: draft.provenance,
      l1_server: draft.l1Server,
      run_id: draft.runId,
      size_bytes: draft.sizeBytes,
      media_type: draft.mediaType,
      created_at: createdAt,
    };
  }

  /** The row as the database now holds it, without reading it back. */
  private rowFor(id: number, owner: Owner, draft: AssetDraft, createdAt: Date, activityId: string): AssetRow {
    return {
      ...this.newAsset(owner, draft, createdAt),
      id,
      owner_username: owner.username,
      updated_at: createdAt,
      activity_id: activityId,
    };
  }

  private describe(owner: Owner, draft: AssetDraft, createdAt: Date): AssetDescription {
    return {
      name: draft.name,
      contentHash: draft.contentHash,
      assetType: draft.assetType,
      ownerUsername: owner.username,
      description: draft.description,
      tags: draft.tags,
      ipfsCid: draft.ipfsCid,
      mediaType: draft.mediaType,
      provenance: draft.provenance,
      published: createdAt.toISOString(),
    };
  }

  private async signed(key: UserKey, type: 'Create' | 'Update', asset: AssetDescription, at: Date) {
    const uuid = randomUUID();
    const published = at.toISOString();
    const { raw } = await signActivity(assetActivity(this.instance, type, uuid, asset, published), key, published);
    return {
      uuid,
      activity_id: activityUrl(this.instance, uuid),
      activity_type: type,
      actor_id: actorUrl(this.instance, asset.ownerUsername),
      object_id: objectUrl(this.instance, asset.contentHash),
      raw,
      published_at: at,
    };
  }

  /** Inserts assets and their signed Creates in one transaction; unique violations become 409s. */
  private async insertAll(owner: Owner, drafts: AssetDraft[]): Promise<void> {
    const key = await this.keys.signingKey(owner);
    const now = new Date();
    const prepared = await Promise.all(
      drafts.map(async (draft) => ({ draft, activity: await this.signed(key, 'Create', this.describe(owner, draft, now), now) })),
    );
    let planned: { id: number; activityId: string }[];
    try {
      planned = await this.db.transaction(async (trx: Knex) => {
        const toDeliver: { id: number; activityId: string }[] = [];
        for (const { draft, activity } of prepared) {
          const assetId = await this.repos.assets.insert(trx, this.newAsset(owner, draft, now));
          const rowId = await this.repos.activities.insert(trx, { ...activity, asset_id: assetId, actor_user_id: owner.id });
          if ((await this.repos.deliveries.planForFollowers(trx, rowId, owner.id)) > 0)
            toDeliver.push({ id: rowId, activityId: activity.activity_id });
        }
        return toDeliver;
      });
    } catch (err) {
      const constraint = constraintOf(err);
      if (!constraint) throw err;
      for (const { draft } of prepared) {
        const byHash = await this.repos.assets.findByHash(draft.contentHash);
        if (byHash) throw this.hashTaken(byHash);
        if (await this.repos.assets.findByName(draft.name)) throw this.nameTaken(draft.name);
      }
      throw err;
    }
    await this.delivery.start(planned);
  }
}
