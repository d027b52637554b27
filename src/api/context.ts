// Types shared by middleware and routes: what each request carries in ctx.state.
import type { ParameterizedContext } from 'koa';
import type Router from '@koa/router';
import type { Session } from '../services/sessions-service.js';

declare module 'koa' {
  interface Request {
    body?: unknown;
    rawBody?: Buffer;
  }
}

export interface AppState {
  requestId: string;
  /** Resolves (once per request) the caller's session, or null when none was presented. */
  session(): Promise<Session | null>;
  /** The session once session() has resolved it (undefined before); lets pages show it without looking it up. */
  resolvedSession?: Session | null;
  /** How the caller authenticated, if it presented anything. */
  authSource: 'bearer' | 'cookie' | null;
  csrfToken: string;
  /** A browser page load (GET accepting text/html on a page path): only these get the session check and a CSRF cookie. */
  pageRequest: boolean;
}

export type AppContext = ParameterizedContext<AppState>;
export type AppRouter = Router<AppState>;
