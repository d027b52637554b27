// Lays out an asset's provenance as a left-to-right graph (inputs → recipe → output) for an inline SVG, and the
// same facts as a list. Pure: the caller says which input hashes are registered assets. Strings are returned
// as data for the template to escape; nothing here builds markup.
import type { Provenance } from '../domain/activity-streams.js';

export interface GraphNode {
  kind: 'input' | 'recipe' | 'output' | 'more';
  x: number;
  y: number;
  width: number;
  height: number;
  /** Shown in the box (shortened to fit). */
  label: string;
  sublabel: string;
  /** The full text, as the box's tooltip. */
  full: string;
}

export interface GraphEdge {
  /** SVG path data: only numbers and path commands. */
  d: string;
}

export interface ProvenanceInput {
  content_hash: string;
  /** The registered asset with this content, if any. */
  asset_name: string | null;
}

export interface ProvenanceModel {
  width: number;
  height: number;
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** One sentence describing the graph, for its <desc>. */
  summary: string;
  inputs: ProvenanceInput[];
  recipe: string | null;
  /** The registered asset the recipe names by content hash, if any. */
  recipe_asset_name: string | null;
  recipe_cid: string | null;
  l1_server: string;
  run_id: string | null;
}

const BOX_W = 200;
const BOX_H = 52;
const GAP_X = 60;
const GAP_Y = 16;
const PAD = 8;
/** Inputs drawn before the rest are summarised in one box (the list below the graph names them all). */
export const MAX_DRAWN_INPUTS = 8;
const LABEL_CHARS = 24;

export function shorten(text: string, max = LABEL_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function column(index: number): number {
  return PAD + index * (BOX_W + GAP_X);
}

function edge(from: GraphNode, to: GraphNode): GraphEdge {
  const x1 = from.x + from.width;
  const y1 = from.y + from.height / 2;
  const x2 = to.x - 6;
  const y2 = to.y + to.height / 2;
  const mid = (x1 + x2) / 2;
  return { d: `M${x1} ${y1} C${mid} ${y1} ${mid} ${y2} ${x2} ${y2}` };
}

export function provenanceGraph(
  provenance: Provenance,
  output: { name: string; contentHash: string },
  assetNamesByHash: ReadonlyMap<string, string>,
): ProvenanceModel {
  const inputs = provenance.inputs.map((hash) => ({ content_hash: hash, asset_name: assetNamesByHash.get(hash) ?? null }));
  const drawn = inputs.slice(0, inputs.length > MAX_DRAWN_INPUTS ? MAX_DRAWN_INPUTS - 1 : MAX_DRAWN_INPUTS);
  const rows = Math.max(1, drawn.length + (drawn.length < inputs.length ? 1 : 0));
  const height = PAD * 2 + rows * BOX_H + (rows - 1) * GAP_Y;
  const middle = (height - BOX_H) / 2;

  const inputNodes: GraphNode[] = drawn.map((input, i) => ({
    kind: 'input',
    x: column(0),
    y: PAD + i * (BOX_H + GAP_Y),
    width: BOX_W,
    height: BOX_H,
    label: shorten(input.asset_name ?? `${input.content_hash.slice(0, 16)}…`),
    sublabel: input.asset_name ? `${input.content_hash.slice(0, 12)}…` : 'not registered here',
    full: input.asset_name ? `${input.asset_name} (${input.content_hash})` : input.content_hash,
  }));
  if (drawn.length < inputs.length) {
    const more = inputs.length - drawn.length;
    inputNodes.push({
      kind: 'more',
      x: column(0),
      y: PAD + drawn.length * (BOX_H + GAP_Y),
      width: BOX_W,
      height: BOX_H,
      label: `${more} more input${more === 1 ? '' : 's'}`,
      sublabel: 'listed below',
      full: `${more} more inputs, listed below the graph`,
    });
  }
  const recipeAsset = provenance.recipe ? (assetNamesByHash.get(provenance.recipe) ?? null) : null;
  const recipeName = recipeAsset ?? provenance.recipe ?? 'recipe';
  const recipe: GraphNode = {
    kind: 'recipe',
    x: column(1),
    y: middle,
    width: BOX_W,
    height: BOX_H,
    label: shorten(recipeName),
    sublabel: shorten(provenance.l1_server.replace(/^https?:\/\//, ''), LABEL_CHARS + 4),
    full: `${recipeName} on ${provenance.l1_server}${provenance.run_id ? `, run ${provenance.run_id}` : ''}`,
  };
  const out: GraphNode = {
    kind: 'output',
    x: column(2),
    y: middle,
    width: BOX_W,
    height: BOX_H,
    label: shorten(output.name),
    sublabel: `${output.contentHash.slice(0, 12)}…`,
    full: `${output.name} (${output.contentHash})`,
  };
  const count = inputs.length;
  return {
    width: column(3) - GAP_X + PAD,
    height,
    nodes: [...inputNodes, recipe, out],
    edges: [...inputNodes.map((node) => edge(node, recipe)), edge(recipe, out)],
    summary: `${count === 0 ? 'No inputs' : `${count} input${count === 1 ? '' : 's'}`} → recipe ${recipeName} on ${provenance.l1_server} → ${output.name}.`,
    inputs,
    recipe: provenance.recipe,
    recipe_asset_name: recipeAsset,
    recipe_cid: provenance.recipe_cid,
    l1_server: provenance.l1_server,
    run_id: provenance.run_id,
  };
}
