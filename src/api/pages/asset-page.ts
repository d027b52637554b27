// What /asset/{name} shows: the asset's facts, a media preview when the content can be served, its provenance
// graph, its history with anchor status, and where its content is pinned.
import type { AssetRow } from '../../db/repositories/assets-repository.js';
import type { Services } from '../../services/index.js';
import { provenanceGraph, type ProvenanceModel } from '../../services/provenance-graph.js';
import { anchorHistory, type AnchorHistory } from './anchor-history.js';

export type MediaKind = 'image' | 'video' | 'audio';

const UNITS = ['bytes', 'KB', 'MB', 'GB', 'TB'];

export function humanSize(bytes: number | null): string | null {
  if (bytes === null) return null;
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  const shown = unit === 0 ? String(value) : value.toFixed(value < 10 ? 1 : 0);
  return unit === 0 ? `${shown} bytes` : `${shown} ${UNITS[unit]} (${bytes.toLocaleString('en')} bytes)`;
}

/** The element that can play this media type; none for types a browser cannot show inline. */
export function mediaKind(mediaType: string | null): MediaKind | null {
  const top = mediaType?.split('/')[0];
  return top === 'image' || top === 'video' || top === 'audio' ? top : null;
}

/** The history table's data (also served alone as the polled fragment). */
export async function assetAnchors(services: Services, row: AssetRow): Promise<AnchorHistory> {
  const activities = await services.repos.activities.forAsset(row.id);
  const anchors = await services.repos.anchors.statusForActivities(activities.map((a) => a.id));
  return anchorHistory(activities, anchors);
}

export async function assetPageModel(services: Services, row: AssetRow) {
  const { repos } = services;
  const [history, pinRows, held, provenance] = await Promise.all([
    assetAnchors(services, row),
    repos.storage.pinsFor(row.id),
    services.storage.serverStore.has(row.content_hash),
    provenanceOf(services, row),
  ]);
  const pins = pinRows.map((p) => ({
    provider: p.provider_name,
    type: p.provider_type,
    status: p.status,
    cid: p.cid,
    error: p.last_error,
  }));
  const available = held || pins.some((p) => p.status === 'pinned');
  const kind = available ? mediaKind(row.media_type) : null;
  const asset = services.assets.view(row);
  return {
    title: row.name,
    item: asset,
    size: humanSize(row.size_bytes),
    contentHref: `/assets/${encodeURIComponent(row.name)}/content`,
    available,
    held,
    media: kind ? { kind, type: row.media_type! } : null,
    provenance,
    history,
    pins,
  };
}

async function provenanceOf(services: Services, row: AssetRow): Promise<ProvenanceModel | null> {
  const provenance = row.provenance;
  if (!provenance || !Array.isArray(provenance.inputs)) return null;
  const hashes = provenance.inputs.filter((h) => typeof h === 'string');
  // L1s may name the recipe by its content hash: then it can be a registered asset too.
  if (provenance.recipe && /^[0-9a-f]{64}$/.test(provenance.recipe)) hashes.push(provenance.recipe);
  const known = await services.repos.assets.findByHashes(hashes);
  return provenanceGraph(
    provenance,
    { name: row.name, contentHash: row.content_hash },
    new Map(known.map((a) => [a.content_hash, a.name])),
  );
}
