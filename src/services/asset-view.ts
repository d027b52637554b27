// The public JSON shape of an asset (the seed's fields plus ipfs_cid, activity_id and object_id).
import { assetPageUrl, handleOf, objectUrl, type Instance, type Provenance } from '../domain/activity-streams.js';
import type { AssetRow } from '../db/repositories/assets-repository.js';

export interface AssetView {
  name: string;
  content_hash: string;
  asset_type: string;
  owner: string;
  owner_username: string;
  description: string | null;
  tags: string[];
  provenance: Provenance | null;
  ipfs_cid: string | null;
  size_bytes: number | null;
  media_type: string | null;
  created_at: string;
  updated_at: string;
  activity_id: string | null;
  object_id: string;
  url: string;
}

export function assetView(row: AssetRow, instance: Instance): AssetView {
  return {
    name: row.name,
    content_hash: row.content_hash,
    asset_type: row.asset_type,
    owner: handleOf(instance, row.owner_username),
    owner_username: row.owner_username,
    description: row.description,
    tags: row.tags,
    provenance: row.provenance,
    ipfs_cid: row.ipfs_cid,
    size_bytes: row.size_bytes,
    media_type: row.media_type,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    activity_id: row.activity_id,
    object_id: objectUrl(instance, row.content_hash),
    url: assetPageUrl(instance, row.name),
  };
}
