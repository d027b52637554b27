// The artdag CLI for download: one self-contained file built from this server's own source the first time it is
// asked for (so it always matches the server's API), and a page that says how to install and use it.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { AppError } from '../../../domain/errors.js';
import { SOFTWARE_VERSION } from '../../../domain/software.js';
import type { AppRouter } from '../../context.js';
import { wantsHtml } from '../../negotiate.js';
import type { Views } from '../../views.js';

const run = promisify(execFile);
const buildScript = fileURLToPath(new URL('../../../../scripts/build-cli.mjs', import.meta.url));

interface Bundle {
  body: Buffer;
  sha256: string;
  etag: string;
}

/** Builds the bundle once per process; a failed build is retried on the next request. */
export class ClientBundle {
  private pending: Promise<Bundle> | null = null;

  constructor(private readonly outfile: string) {}

  get(): Promise<Bundle> {
    this.pending ??= this.build().catch((err: unknown) => {
      this.pending = null;
      throw err;
    });
    return this.pending;
  }

  private async build(): Promise<Bundle> {
    await fs.mkdir(path.dirname(this.outfile), { recursive: true });
    try {
      await run(process.execPath, [buildScript, '--outfile', this.outfile], { timeout: 120_000 });
    } catch (err) {
      const detail = (err as { stderr?: string }).stderr?.trim() || (err as Error).message;
      throw new AppError(503, 'client_unavailable', `The CLI bundle could not be built on this server: ${detail.slice(0, 500)}`);
    }
    const body = await fs.readFile(this.outfile);
    const sha256 = createHash('sha256').update(body).digest('hex');
    return { body, sha256, etag: `"${sha256.slice(0, 32)}"` };
  }
}

export function downloadRoutes(router: AppRouter, deps: { bundle: ClientBundle; views: Views; publicUrl: string }): void {
  const { bundle, views, publicUrl } = deps;
  const fileUrl = `${publicUrl}/download/client/artdag.mjs`;

  router.get('/download/client', async (ctx) => {
    const built = await bundle.get();
    ctx.vary('Accept');
    const info = {
      name: 'artdag',
      version: SOFTWARE_VERSION,
      url: fileUrl,
      sha256: built.sha256,
      size_bytes: built.body.length,
      requires: 'Node.js >= 20',
    };
    if (!wantsHtml(ctx)) {
      ctx.body = info;
      return;
    }
    await views.page(ctx, 'pages/download-client', { title: 'The artdag command-line client', ...info, server: publicUrl });
  });

  router.get('/download/client/artdag.mjs', async (ctx) => {
    const built = await bundle.get();
    ctx.set('Cache-Control', 'no-cache');
    ctx.set('Content-Disposition', 'attachment; filename="artdag.mjs"');
    ctx.status = 200;
    ctx.etag = built.etag;
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
    ctx.type = 'text/javascript; charset=utf-8';
    ctx.body = built.body;
  });
}
