// `artdag assets list` and `artdag assets show`: reading the public asset registry.
import { intOption } from '../args.js';
import { stringValue, type Command } from '../command.js';
import { assetTable, describeAsset, type Asset } from './asset-view.js';

interface Page {
  items: Asset[];
  next_cursor: string | null;
}

export const assetsList: Command = {
  name: 'assets list',
  summary: 'List registered assets, newest first',
  args: [],
  options: {
    owner: { type: 'string', value: 'USER', help: 'only assets owned by USER' },
    type: { type: 'string', value: 'TYPE', help: 'only assets of this type' },
    tag: { type: 'string', value: 'TAG', help: 'only assets with this tag' },
    limit: { type: 'string', value: 'N', help: 'assets per page, 1 to 100 (default 20; 100 with --all)' },
    all: { type: 'boolean', help: 'follow next_cursor through every page' },
  },
  exits: [0, 1, 2, 3, 4],
  async run(ctx, { values }) {
    const all = values.all === true;
    const query = new URLSearchParams();
    const filters: [string, string | undefined][] = [
      ['owner', stringValue(values, 'owner')],
      ['asset_type', stringValue(values, 'type')],
      ['tag', stringValue(values, 'tag')],
    ];
    for (const [key, value] of filters) if (value !== undefined) query.set(key, value);
    const limit = intOption(values, 'limit', 1, 100) ?? (all ? 100 : undefined);
    if (limit !== undefined) query.set('limit', String(limit));
    const items: Asset[] = [];
    let cursor: string | null = null;
    do {
      if (cursor) query.set('cursor', cursor);
      const { body }: { body: Page } = await ctx.api.json<Page>('GET', query.size ? `/assets?${query}` : '/assets');
      items.push(...body.items);
      cursor = body.next_cursor;
    } while (all && cursor);
    ctx.out.result({ items, next_cursor: cursor }, () => (items.length ? assetTable(items) : 'No assets.'));
    if (cursor && !ctx.out.mode.json) ctx.out.note('There are more: pass --all to list every page.');
  },
};

export const assetsShow: Command = {
  name: 'assets show',
  summary: 'Show one asset',
  args: [{ name: 'NAME' }],
  options: {},
  exits: [0, 1, 2, 3, 4, 5],
  async run(ctx, { args }) {
    const { body } = await ctx.api.json<Asset>('GET', `/assets/${encodeURIComponent(args[0]!)}`);
    ctx.out.result(body, () => describeAsset(body));
  },
};
