// SQL for assets, always read together with the owner's username and the asset's Create activity id.
import type { Knex } from 'knex';
import type { Db } from '../knex.js';
import { preparedQuery } from '../prepared.js';
import type { NewActivity } from './activities-repository.js';
import type { Provenance } from '../../domain/activity-streams.js';
import type { AssetType } from '../../domain/asset-rules.js';

export interface AssetRow {
  id: number;
  name: string;
  content_hash: string;
  ipfs_cid: string | null;
  asset_type: AssetType;
  owner_id: number;
  owner_username: string;
  description: string | null;
  tags: string[];
  provenance: Provenance | null;
  l1_server: string | null;
  run_id: string | null;
  size_bytes: number | null;
  media_type: string | null;
  created_at: Date;
  updated_at: Date;
  activity_id: string | null;
}

export interface NewAsset {
  name: string;
  content_hash: string;
  ipfs_cid: string | null;
  asset_type: AssetType;
  owner_id: number;
  description: string | null;
  tags: string[];
  provenance: Provenance | null;
  l1_server: string | null;
  run_id: string | null;
  size_bytes: number | null;
  media_type: string | null;
  created_at: Date;
}

export interface AssetFilter {
  ownerId?: number;
  /** The owner by username: filtered in the same query, without looking the user up first. */
  ownerUsername?: string;
  assetType?: string;
  tag?: string;
  /** A substring of the name, or an exact tag. */
  search?: string;
  /** Return assets with id below this (the cursor). */
  beforeId?: number;
  /** Return the assets just above this id (the page before a cursor), still newest first. */
  afterId?: number;
  limit: number;
}

/** LIKE treats % and _ as wildcards and backslash as the escape; a search for them means the characters. */
function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export class AssetsRepository {
  constructor(private readonly db: Db) {}

  private select(trx: Knex | Db = this.db) {
    return trx('assets as a')
      .join('users as u', 'u.id', 'a.owner_id')
      .select(
        'a.*',
        'u.username as owner_username',
        trx.raw(
          `(SELECT activity_id FROM activities v WHERE v.asset_id = a.id AND v.activity_type = 'Create' ORDER BY v.id LIMIT 1) AS activity_id`,
        ),
      );
  }

  async findByName(name: string, trx?: Knex): Promise<AssetRow | null> {
    return ((await this.select(trx).where('a.name', name).first()) as AssetRow | undefined) ?? null;
  }

  async findByHash(contentHash: string, trx?: Knex): Promise<AssetRow | null> {
    return ((await this.select(trx).where('a.content_hash', contentHash).first()) as AssetRow | undefined) ?? null;
  }

  async findByHashes(hashes: string[], trx?: Knex): Promise<AssetRow[]> {
    if (hashes.length === 0) return [];
    return (await this.select(trx).whereIn('a.content_hash', hashes)) as AssetRow[];
  }

  async findByRun(l1Server: string | null, runId: string, trx?: Knex): Promise<AssetRow | null> {
    const query = this.select(trx).where('a.run_id', runId);
    if (l1Server) query.where('a.l1_server', l1Server);
    return ((await query.orderBy('a.id').first()) as AssetRow | undefined) ?? null;
  }

  /** One keyset page, newest first; every filter is applied in the same statement. */
  async list(filter: AssetFilter): Promise<AssetRow[]> {
    const newerPage = filter.afterId !== undefined && filter.beforeId === undefined;
    const query = this.select()
      .orderBy('a.id', newerPage ? 'asc' : 'desc')
      .limit(filter.limit);
    if (filter.ownerId !== undefined) query.where('a.owner_id', filter.ownerId);
    if (filter.ownerUsername !== undefined) query.where('u.username', filter.ownerUsername);
    if (filter.assetType) query.where('a.asset_type', filter.assetType);
    if (filter.tag) query.whereRaw('a.tags @> ARRAY[?]::text[]', [filter.tag]);
    if (filter.search) {
      const search = filter.search;
      query.where((q) => q.where('a.name', 'like', `%${likeLiteral(search)}%`).orWhereRaw('a.tags @> ARRAY[?]::text[]', [search]));
    }
    if (filter.beforeId !== undefined) query.where('a.id', '<', filter.beforeId);
    if (filter.afterId !== undefined) query.where('a.id', '>', filter.afterId);
    const rows = (await query) as AssetRow[];
    return newerPage ? rows.reverse() : rows;
  }

  async insert(trx: Knex, asset: NewAsset): Promise<number> {
    const [row] = (await trx('assets')
      .insert({ ...asset, provenance: asset.provenance ? JSON.stringify(asset.provenance) : null, updated_at: asset.created_at })
      .returning('id')) as { id: number }[];
    return row!.id;
  }

  /**
   * The asset, its Create and the Create's deliveries to the owner's followers in one statement: atomic,
   * one round trip (the hot path of registration). Returns the new row ids and how many deliveries were planned.
   */
  async insertWithActivity(asset: NewAsset, activity: NewActivity): Promise<{ assetId: number; activityRowId: number; planned: number }> {
    const insertAsset = this.db('assets')
      .insert({ ...asset, provenance: asset.provenance ? JSON.stringify(asset.provenance) : null, updated_at: asset.created_at })
      .returning('id')
      .toSQL()
      .toNative();
    const columns = (Object.keys(activity) as (keyof NewActivity)[]).filter((c) => c !== 'asset_id');
    const offset = insertAsset.bindings.length;
    const owner = `$${offset + columns.length + 1}`;
    const rows = await preparedQuery<{ asset_id: number; id: number; planned: string }>(
      this.db,
      undefined,
      `WITH a AS (${insertAsset.sql}),
       v AS (INSERT INTO activities (${columns.join(', ')}, asset_id)
             SELECT ${columns.map((_, i) => `$${offset + i + 1}`).join(', ')}, a.id FROM a RETURNING id, asset_id),
       d AS (INSERT INTO deliveries (activity_id, inbox_url, host)
             SELECT DISTINCT v.id, f.inbox, split_part(split_part(f.inbox, '://', 2), '/', 1)
               FROM v, (SELECT coalesce(shared_inbox_url, inbox_url) AS inbox FROM followers
                         WHERE user_id = ${owner}::bigint AND state = 'accepted') f
             ON CONFLICT (activity_id, inbox_url) DO NOTHING RETURNING 1)
       SELECT v.asset_id, v.id, (SELECT count(*) FROM d) AS planned FROM v`,
      [...insertAsset.bindings, ...columns.map((c) => activity[c]), asset.owner_id],
    );
    const row = rows[0]!;
    return { assetId: row.asset_id, activityRowId: row.id, planned: Number(row.planned) };
  }

  async update(
    trx: Knex,
    id: number,
    fields: { description: string | null; tags: string[]; asset_type: AssetType; updated_at: Date },
  ): Promise<void> {
    await trx('assets').where({ id }).update(fields);
  }

  async setIpfsCid(id: number, cid: string): Promise<void> {
    await this.db('assets').where({ id }).whereNull('ipfs_cid').update({ ipfs_cid: cid });
  }

  async count(): Promise<number> {
    const row = (await this.db('assets').count<{ count: string }[]>('* as count'))[0];
    return Number(row?.count ?? 0);
  }
}
