// The one place errors become HTTP: typed errors keep their status and words; anything else is a logged 500.
import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import { AppError } from '../../domain/errors.js';
import type { AppState } from '../context.js';
import { wantsHtml } from '../negotiate.js';
import type { Views } from '../views.js';

interface HttpishError {
  status?: number;
  statusCode?: number;
  expose?: boolean;
  message?: string;
}

function toAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  // Errors thrown by Koa itself (ctx.throw, http-errors) that are safe to show.
  const e = err as HttpishError;
  const status = e?.status ?? e?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500 && e.expose) {
    return new AppError(status, 'http_error', e.message ?? 'Request refused.');
  }
  return null;
}

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

export function errorHandler(logger: Logger, views: Views): Middleware<AppState> {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new AppError(404, 'not_found', `No route for ${ctx.method} ${ctx.path}.`);
      }
    } catch (err) {
      let appError = toAppError(err);
      if (!appError) {
        logger.error({ err, req_id: ctx.state.requestId, method: ctx.method, path: ctx.path }, 'unhandled error');
        appError = new AppError(500, 'internal_error', 'An unexpected error occurred; it has been logged with the request id.');
      }
      ctx.status = appError.status;
      for (const [name, value] of Object.entries(appError.headers ?? {})) ctx.set(name, value);
      if (wantsHtml(ctx)) {
        ctx.type = 'text/html; charset=utf-8';
        ctx.body = await views.bare('pages/error', {
          title: TITLES[appError.status] ?? 'Error',
          message: appError.message,
          requestId: ctx.state.requestId,
        });
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
