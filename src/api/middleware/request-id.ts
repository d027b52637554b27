// Gives every request an id (the caller's X-Request-Id when it is sane) and echoes it back.
import { randomBytes } from 'node:crypto';
import type { Middleware } from 'koa';
import type { AppState } from '../context.js';

const SANE_ID = /^[A-Za-z0-9._:-]{1,100}$/;

// Ids need to be unique, not secret: a random per-process prefix and a counter are unique and cheap.
const prefix = randomBytes(6).toString('base64url');
let counter = 0;

export function requestId(): Middleware<AppState> {
  return async (ctx, next) => {
    const incoming = ctx.get('X-Request-Id');
    ctx.state.requestId = SANE_ID.test(incoming) ? incoming : `${prefix}-${(++counter).toString(36)}`;
    ctx.set('X-Request-Id', ctx.state.requestId);
    await next();
  };
}
