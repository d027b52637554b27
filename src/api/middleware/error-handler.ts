// The one place errors become HTTP: typed errors keep their status and words; anything else is a logged 500.
import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import { AppError } from '../../domain/errors.js';
import { isDatabaseUnavailable } from '../../db/connection-errors.js';
import type { AppContext, AppState } from '../context.js';
import { wantsHtml } from '../negotiate.js';
import type { Views } from '../views.js';

interface HttpishError {
  status?: number;
  statusCode?: number;
  expose?: boolean;
  message?: string;
  code?: unknown;
}

/** Postgres refuses NUL in text (22021) and \u0000 in jsonb (22P05): any input string can carry one, so it is bad input. */
const UNSTORABLE_TEXT = new Set(['22021', '22P05']);

function toAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  // Errors thrown by Koa itself (ctx.throw, http-errors) that are safe to show.
  const e = err as HttpishError;
  if (typeof e?.code === 'string' && UNSTORABLE_TEXT.has(e.code)) {
    return new AppError(400, 'invalid_text', 'Text in the request contains a NUL (\\u0000) character, which cannot be stored.');
  }
  if (isDatabaseUnavailable(err)) {
    return new AppError(503, 'database_unavailable', 'The database is unavailable at the moment; try again shortly.', undefined, {
      'Retry-After': '5',
    });
  }
  const status = e?.status ?? e?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500 && e.expose) {
    return new AppError(status, 'http_error', e.message ?? 'Request refused.');
  }
  return null;
}

/** Endpoints whose clients speak OAuth: their errors use its format, whatever refused the request. */
const OAUTH_ENDPOINTS = new Set(['/auth/device/code', '/auth/device/token']);
/** Malformed requests, which OAuth calls invalid_request; CSRF and other refusals keep the house format. */
const OAUTH_REQUEST_ERRORS = new Set([400, 405, 413, 415]);

const LOCAL_PATH = /^\/(?![/\\])[^\s]*$/;

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Please log in',
  403: 'Not allowed',
  404: 'Page not found',
  409: 'Conflict',
  413: 'Too large',
  415: 'Unsupported content',
  422: 'Cannot process this',
  429: 'Slow down',
  500: 'Something went wrong',
  502: 'A server we depend on failed',
  503: 'Temporarily unavailable',
};

/** Where a login should lead back to: the page that refused, when it was a page a link can reach again. */
function loginUrl(ctx: AppContext): string {
  const back = ctx.method === 'GET' && LOCAL_PATH.test(ctx.originalUrl) ? ctx.originalUrl : '/';
  return back === '/' ? '/login' : `/login?next=${encodeURIComponent(back)}`;
}

/** What the error page can show without doing anything that may fail again: only what is already known. */
function errorPageData(ctx: AppContext) {
  const session = ctx.state.resolvedSession ?? null;
  return {
    currentUser: session?.user.username ?? null,
    isOperator: session?.user.is_operator ?? false,
    currentPath: ctx.path,
    csrfToken: ctx.state.csrfToken ?? '',
    requestId: ctx.state.requestId,
    loginUrl: loginUrl(ctx),
  };
}

export function errorHandler(logger: Logger, views: Views): Middleware<AppState> {
  return async (ctx, next) => {
    let unrouted = false;
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        unrouted = true;
        throw new AppError(404, 'not_found', `No route for ${ctx.method} ${ctx.path}.`);
      }
      // The router's allowedMethods() answers a known path with a bare 405/501 (and Allow); give it the usual error body.
      if ((ctx.status === 405 || ctx.status === 501) && ctx.body === undefined) {
        const allowed = ctx.response.get('Allow') || 'none';
        throw ctx.status === 405
          ? new AppError(405, 'method_not_allowed', `${ctx.method} is not allowed on ${ctx.path}; allowed: ${allowed}.`)
          : new AppError(501, 'not_implemented', `The method ${ctx.method} is not implemented; allowed on ${ctx.path}: ${allowed}.`);
      }
    } catch (err) {
      let appError = toAppError(err);
      if (!appError) {
        logger.error({ err, req_id: ctx.state.requestId, method: ctx.method, path: ctx.path }, 'unhandled error');
        appError = new AppError(500, 'internal_error', 'An unexpected error occurred; it has been logged with the request id.');
      }
      ctx.status = appError.status;
      for (const [name, value] of Object.entries(appError.headers ?? {})) ctx.set(name, value);
      // The same URL answers a browser with a page and a program with JSON.
      ctx.vary('Accept');
      if (wantsHtml(ctx)) {
        ctx.type = 'text/html; charset=utf-8';
        const title = TITLES[appError.status] ?? 'Error';
        try {
          ctx.body = await views.bare('pages/error', {
            ...errorPageData(ctx),
            title,
            status: appError.status,
            message: unrouted ? `There is no page at ${ctx.path}.` : appError.message,
          });
        } catch (renderError) {
          // The error page itself failed: answer a page that needs no template rather than none at all. The title is
          // ours and request ids are [A-Za-z0-9._:-] (request-id.ts), so nothing here needs escaping.
          logger.error({ err: renderError, req_id: ctx.state.requestId }, 'error page failed to render');
          ctx.body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><main><h1>${title}</h1><p>Request id: ${ctx.state.requestId ?? ''}</p><p><a href="/">Home</a></p></main></body></html>`;
        }
      } else if (OAUTH_ENDPOINTS.has(ctx.path) && OAUTH_REQUEST_ERRORS.has(appError.status)) {
        // OAuth clients read RFC 6749 §5.2 errors, also for requests refused before the route runs (body, method).
        ctx.body = { error: 'invalid_request', error_description: appError.message };
      } else {
        ctx.body = {
          error: {
            code: appError.code,
            message: appError.message,
            ...(appError.details ? { details: appError.details } : {}),
            request_id: ctx.state.requestId,
          },
        };
      }
    }
  };
}
