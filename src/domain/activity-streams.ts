// ActivityStreams documents for assets: the object announced for a content hash, and its Create/Update.
import { objectTypeOf, type AssetType } from './asset-rules.js';

export interface Instance {
  publicUrl: string;
  domain: string;
}

export const AS_PUBLIC = 'https://www.w3.org/ns/activitystreams#Public';
export const AS_CONTEXT = 'https://www.w3.org/ns/activitystreams';
export const ARTDAG_NS = 'https://artdag.rose-ash.com/ns#';

export const ACTIVITY_CONTEXT = [
  AS_CONTEXT,
  'https://w3id.org/security/v1',
  { artdag: ARTDAG_NS, contentHash: 'artdag:contentHash', provenance: 'artdag:provenance', Hashtag: 'as:Hashtag' },
];

export const actorUrl = (i: Instance, username: string) => `${i.publicUrl}/users/${username}`;
export const objectUrl = (i: Instance, contentHash: string) => `${i.publicUrl}/objects/${contentHash}`;
export const activityUrl = (i: Instance, uuid: string) => `${i.publicUrl}/activities/${uuid}`;
export const assetPageUrl = (i: Instance, name: string) => `${i.publicUrl}/asset/${encodeURIComponent(name)}`;
export const handleOf = (i: Instance, username: string) => `@${username}@${i.domain}`;

export interface Provenance {
  inputs: string[];
  recipe: string | null;
  recipe_cid: string | null;
  l1_server: string;
  run_id: string | null;
  output: { content_hash: string; ipfs_cid: string | null };
}

export interface AssetDescription {
  name: string;
  contentHash: string;
  assetType: AssetType;
  ownerUsername: string;
  description: string | null;
  tags: string[];
  ipfsCid: string | null;
  mediaType: string | null;
  provenance: Provenance | null;
  published: string;
  updated?: string;
}

export function assetObject(instance: Instance, asset: AssetDescription): Record<string, unknown> {
  const owner = actorUrl(instance, asset.ownerUsername);
  const urls: Record<string, unknown>[] = [{ type: 'Link', href: assetPageUrl(instance, asset.name), mediaType: 'text/html' }];
  if (asset.ipfsCid)
    urls.push({ type: 'Link', href: `ipfs://${asset.ipfsCid}`, ...(asset.mediaType ? { mediaType: asset.mediaType } : {}) });
  return {
    id: objectUrl(instance, asset.contentHash),
    type: objectTypeOf(asset.assetType),
    name: asset.name,
    attributedTo: owner,
    published: asset.published,
    ...(asset.updated ? { updated: asset.updated } : {}),
    ...(asset.description ? { summary: asset.description } : {}),
    ...(asset.mediaType ? { mediaType: asset.mediaType } : {}),
    contentHash: { algorithm: 'sha3-256', value: asset.contentHash },
    url: urls,
    tag: asset.tags.map((tag) => ({
      type: 'Hashtag',
      name: `#${tag}`,
      href: `${instance.publicUrl}/assets?tag=${encodeURIComponent(tag)}`,
    })),
    ...(asset.provenance
      ? {
          provenance: {
            ...asset.provenance,
            inputs: asset.provenance.inputs.map((hash) => objectUrl(instance, hash)),
          },
        }
      : {}),
    to: [AS_PUBLIC],
    cc: [`${owner}/followers`],
  };
}

/** An unsigned Create or Update of an asset's object. */
export function assetActivity(
  instance: Instance,
  type: 'Create' | 'Update',
  uuid: string,
  asset: AssetDescription,
  published: string,
): Record<string, unknown> {
  const actor = actorUrl(instance, asset.ownerUsername);
  return {
    '@context': ACTIVITY_CONTEXT,
    id: activityUrl(instance, uuid),
    type,
    actor,
    published,
    to: [AS_PUBLIC],
    cc: [`${actor}/followers`],
    object: assetObject(instance, asset),
  };
}
