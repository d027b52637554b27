// The browser assets (stylesheet, HTMX, our script) as built by scripts/build-assets.mjs: content-hashed files
// held in memory and served as immutable, and the URLs templates link to. Built first when missing or stale.
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { assetsStale, buildAssets, BUILD_DIR, MANIFEST } from '../../scripts/build-assets.mjs';

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export interface WebAsset {
  body: Buffer;
  type: string;
}

export class WebAssets {
  constructor(
    /** Logical name (app.css) → hashed file name (app.1a2b3c4d5e6f.css). */
    private readonly manifest: Record<string, string>,
    /** Hashed file name → contents. */
    readonly files: Map<string, WebAsset>,
  ) {}

  /** The URL of a logical asset, for templates: /static/build/app.1a2b3c4d5e6f.css */
  url(name: string): string {
    const file = this.manifest[name];
    if (!file) throw new Error(`no built asset named ${name}`);
    return `/static/build/${file}`;
  }
}

export async function loadWebAssets(logger?: Logger): Promise<WebAssets> {
  if (assetsStale()) {
    const started = Date.now();
    await buildAssets();
    logger?.info({ ms: Date.now() - started }, 'built the browser assets (stylesheet, scripts)');
  }
  const manifest = JSON.parse(fs.readFileSync(MANIFEST, 'utf8')) as Record<string, string>;
  const files = new Map<string, WebAsset>();
  for (const file of Object.values(manifest)) {
    files.set(file, { body: fs.readFileSync(path.join(BUILD_DIR, file)), type: TYPES[path.extname(file)] ?? 'application/octet-stream' });
  }
  return new WebAssets(manifest, files);
}
