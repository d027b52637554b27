// The files the /docs page loads, served by us: Swagger UI from its npm package (never a CDN) and our own init
// script and stylesheet. Only the names below can be served, so no request can reach any other file on disk.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const swaggerDir = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const ownDir = path.dirname(fileURLToPath(import.meta.url));

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.png': 'image/png',
};

/** URL name → file on disk. The allow-list is the whole of what /docs/assets/:file can answer. */
const FILES: Record<string, string> = {
  'swagger-ui.css': path.join(swaggerDir, 'swagger-ui.css'),
  'swagger-ui-bundle.js': path.join(swaggerDir, 'swagger-ui-bundle.js'),
  'favicon-32x32.png': path.join(swaggerDir, 'favicon-32x32.png'),
  'docs-init.js': path.join(ownDir, 'docs-init.js'),
  'docs.css': path.join(ownDir, 'docs.css'),
};

export interface DocsAsset {
  body: Buffer;
  /** The body gzipped, for text files (the bundle is 1.7 MB, about a quarter of that compressed). */
  gzip: Buffer | null;
  type: string;
  /** Short content hash: page links carry it (?v=) so a year-long cache never serves a stale file. */
  version: string;
}

export class DocsAssets {
  private readonly loaded = new Map<string, DocsAsset>();

  /** The asset, read (and compressed) on first use and kept in memory; undefined for any name off the list. */
  get(name: string): DocsAsset | undefined {
    if (!Object.hasOwn(FILES, name)) return undefined;
    let asset = this.loaded.get(name);
    if (!asset) {
      const body = fs.readFileSync(FILES[name]!);
      const type = TYPES[path.extname(name)] ?? 'application/octet-stream';
      asset = {
        body,
        gzip: type.startsWith('image/') ? null : gzipSync(body, { level: 9 }),
        type,
        version: createHash('sha256').update(body).digest('hex').slice(0, 12),
      };
      this.loaded.set(name, asset);
    }
    return asset;
  }

  /** The versioned URL a page links to. */
  url(name: string): string {
    const asset = this.get(name);
    if (!asset) throw new Error(`no docs asset named ${name}`);
    return `/docs/assets/${name}?v=${asset.version}`;
  }
}
