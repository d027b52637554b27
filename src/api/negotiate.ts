// Content negotiation: whether a request comes from a browser that wants HTML rather than JSON.
import type { Context } from 'koa';

export function wantsHtml(ctx: Context): boolean {
  return ctx.accepts('json', 'html') === 'html';
}
