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
  /** How the caller authenticated, if it presented anything. */
  authSource: 'bearer' | 'cookie' | null;
  csrfToken: string;
}

export type AppContext = ParameterizedContext<AppState>;
export type AppRouter = Router<AppState>;
