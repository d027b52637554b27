// Content negotiation: whether a request comes from a browser that wants HTML rather than JSON.
import type { Context } from 'koa';

export function wantsHtml(ctx: Context): boolean {
  // Most API calls say nothing about HTML; skip full negotiation for them.
  if (!ctx.get('Accept').includes('html')) return false;
  return ctx.accepts('json', 'html') === 'html';
}
