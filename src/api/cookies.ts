// Cookie names and attributes in one place.
import type { AppContext } from './context.js';

export const SESSION_COOKIE = 'artdag_session';
export const CSRF_COOKIE = 'artdag_csrf';

export function cookieOptions(ctx: AppContext, maxAgeMs?: number) {
  return {
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: ctx.secure,
    path: '/',
    overwrite: true,
    ...(maxAgeMs === undefined ? {} : { maxAge: maxAgeMs }),
  };
}
