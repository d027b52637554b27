// Server-rendered pages with Eta: every page gets the signed-in user, the CSRF token and the instance name.
import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import type { AppContext } from './context.js';
import type { WebAssets } from './web-assets.js';

const templatesDir = fileURLToPath(new URL('../../templates/', import.meta.url));

export interface PageData {
  title: string;
  [key: string]: unknown;
}

export class Views {
  private readonly eta: Eta;
  private readonly assetUrl = (name: string): string => this.assets.url(name);

  constructor(
    private readonly instance: { domain: string; publicUrl: string },
    private readonly assets: WebAssets,
    cache = true,
  ) {
    this.eta = new Eta({ views: templatesDir, cache, autoEscape: true, defaultExtension: '.eta' });
  }

  /**
   * Renders a page for a browser; a session that cannot be resolved just shows the page signed out. Only page
   * loads look the session up for the navigation; other renders (form errors) show one the handler already has.
   */
  async page(ctx: AppContext, template: string, data: PageData, status = 200): Promise<void> {
    const session = ctx.state.pageRequest ? await ctx.state.session().catch(() => null) : (ctx.state.resolvedSession ?? null);
    ctx.status = status;
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = await this.eta.renderAsync(template, {
      ...data,
      currentUser: session?.user.username ?? null,
      isOperator: session?.user.is_operator ?? false,
      currentPath: ctx.path,
      csrfToken: ctx.state.csrfToken,
      instance: this.instance,
      asset: this.assetUrl,
    });
  }

  /** A partial for HTMX to swap in. */
  async fragment(template: string, data: Record<string, unknown>): Promise<string> {
    return await this.eta.renderAsync(template, data);
  }

  /**
   * Renders without session lookup (used by the error handler, which must not fail again); the caller may pass
   * what it already knows (currentUser, isOperator, currentPath, csrfToken).
   */
  async bare(template: string, data: PageData): Promise<string> {
    return await this.eta.renderAsync(template, {
      currentUser: null,
      isOperator: false,
      currentPath: '',
      csrfToken: '',
      ...data,
      instance: this.instance,
      asset: this.assetUrl,
    });
  }
}
