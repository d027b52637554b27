// The asset as L2 returns it, and how the CLI shows one or many of them.
import { formatBytes, keyValues, table } from '../format.js';

export interface Asset {
  name: string;
  content_hash: string;
  asset_type: string;
  owner: string;
  owner_username: string;
  description: string | null;
  tags: string[];
  ipfs_cid: string | null;
  size_bytes: number | null;
  media_type: string | null;
  created_at: string;
  activity_id: string | null;
  url: string;
}

export function describeAsset(asset: Asset): string {
  const size = asset.size_bytes === null ? null : formatBytes(asset.size_bytes);
  return keyValues([
    ['name', asset.name],
    ['type', asset.asset_type],
    ['owner', asset.owner],
    ['sha3-256', asset.content_hash],
    ['size', size && asset.media_type ? `${size} (${asset.media_type})` : size],
    ['tags', asset.tags.join(', ')],
    ['description', asset.description],
    ['ipfs', asset.ipfs_cid],
    ['created', asset.created_at],
    ['activity', asset.activity_id],
    ['page', asset.url],
  ]);
}

export function assetTable(assets: Asset[]): string {
  return table(
    ['NAME', 'TYPE', 'OWNER', 'SIZE', 'SHA3-256', 'TAGS'],
    assets.map((a) => [
      a.name,
      a.asset_type,
      a.owner_username,
      a.size_bytes === null ? '-' : formatBytes(a.size_bytes),
      a.content_hash.slice(0, 12),
      a.tags.join(','),
    ]),
  );
}
