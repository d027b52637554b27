// Rate limits on the endpoints that guess or spend: failed logins (per account and address, and per address),
// accounts created per address, and the device-login endpoints per address. Counters live in Postgres
// (rate_limits), so every api process enforces the same limit; refusals are 429 with Retry-After.
import net from 'node:net';
import type { Middleware } from 'koa';
import { isBlockedAddress } from '../../clients/ip-ranges.js';
import type { RateLimitSetting } from '../../config.js';
import type { RateLimitsRepository } from '../../db/repositories/rate-limits-repository.js';
import { AppError, TooManyRequests } from '../../domain/errors.js';
import type { AppContext, AppState } from '../context.js';

export interface RateLimitSettings {
  login: RateLimitSetting | null;
  loginAddress: RateLimitSetting | null;
  register: RateLimitSetting | null;
  device: RateLimitSetting | null;
  trustProxy: boolean;
}

const LOGIN_PATHS = new Set(['/auth/login', '/login']);
const REGISTER_PATHS = new Set(['/auth/register', '/register']);
const DEVICE_PATHS = new Set(['/auth/device/code', '/auth/device/token']);
const PRUNE_EVERY_MS = 10 * 60_000;

/** IPv4-mapped IPv6 as plain IPv4; a zone id or brackets dropped. */
function plainAddress(raw: string): string {
  const address = raw
    .trim()
    .replace(/^\[([^\]]+)\](:\d+)?$/, '$1')
    .replace(/^(\d+\.\d+\.\d+\.\d+):\d+$/, '$1')
    .replace(/%.*$/, '')
    .toLowerCase();
  return address.startsWith('::ffff:') && net.isIPv4(address.slice(7)) ? address.slice(7) : address;
}

/** One IPv6 host usually owns a whole /64, so that is what one key counts; IPv4 addresses count alone. */
function keyOf(address: string): string {
  if (!net.isIPv6(address)) return address;
  const [head = '', tail = ''] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = address.includes('::') && tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...left, ...new Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

/**
 * Who is asking. Without TRUST_PROXY that is the socket's peer. With it, X-Forwarded-For is read from the
 * nearest hop outwards, skipping private and loopback addresses (our own proxies): the first public address
 * is the client as our outermost proxy saw it. Entries further out were written by the client and are ignored.
 */
export function clientAddress(ctx: AppContext, trustProxy: boolean): string {
  let address = plainAddress(ctx.req.socket.remoteAddress ?? 'unknown');
  if (trustProxy) {
    const hops = ctx.get('X-Forwarded-For').split(',');
    for (let i = hops.length - 1; i >= 0 && isBlockedAddress(address); i--) {
      const hop = plainAddress(hops[i]!);
      if (!net.isIP(hop)) break;
      address = hop;
    }
  }
  return keyOf(address);
}

function wait(seconds: number): string {
  if (seconds < 90) return `${seconds} seconds`;
  if (seconds < 5400) return `${Math.ceil(seconds / 60)} minutes`;
  return `${Math.ceil(seconds / 3600)} hours`;
}

const secondsUntil = (at: Date) => Math.max(1, Math.ceil((at.getTime() - Date.now()) / 1000));

function usernameOf(ctx: AppContext): string | null {
  const body = ctx.request.body as Record<string, unknown> | undefined;
  const username = body && typeof body === 'object' ? body.username : undefined;
  // Usernames are lower-case; folding here means "Alice" and "alice" share one counter whatever the input.
  return typeof username === 'string' && username.trim() ? username.trim().toLowerCase().slice(0, 64) : null;
}

/** Runs the rest of the request and returns its status, also when it ended in a thrown error. */
async function outcome(next: () => Promise<unknown>, ctx: AppContext): Promise<{ status: number; error?: unknown }> {
  try {
    await next();
    return { status: ctx.status };
  } catch (error) {
    return { status: error instanceof AppError ? error.status : 500, error };
  }
}

export function rateLimit(repo: RateLimitsRepository, settings: RateLimitSettings): Middleware<AppState> {
  let lastPrune = 0;

  async function login(ctx: AppContext, next: () => Promise<unknown>, address: string): Promise<void> {
    const { login: perAccount, loginAddress: perAddress } = settings;
    if (perAddress) {
      const seen = await repo.peek('login-address', address);
      if (seen && seen.hits >= perAddress.limit) {
        const retry = secondsUntil(seen.windowEndsAt);
        throw new TooManyRequests(`Too many failed logins from your address: try again in ${wait(retry)}.`, retry);
      }
    }
    const username = usernameOf(ctx);
    const accountKey = username === null ? null : `${username} ${address}`;
    // The attempt takes its slot before the password is checked, so concurrent guesses cannot overshoot.
    if (perAccount && accountKey !== null) {
      const count = await repo.hit('login', accountKey, perAccount.windowSeconds);
      if (count.hits > perAccount.limit) {
        const retry = secondsUntil(count.windowEndsAt);
        throw new TooManyRequests(`Too many failed logins for this account from your address: try again in ${wait(retry)}.`, retry);
      }
    }
    const { status, error } = await outcome(next, ctx);
    if (status === 401) {
      if (perAddress) await repo.hit('login-address', address, perAddress.windowSeconds);
    } else if (perAccount && accountKey !== null) {
      // A success starts the account afresh; anything else (bad input, CSRF, an outage) was no guess.
      if (status < 400) await repo.clear('login', accountKey);
      else await repo.refund('login', accountKey);
    }
    if (error !== undefined) throw error;
  }

  async function register(ctx: AppContext, next: () => Promise<unknown>, address: string, limit: RateLimitSetting): Promise<void> {
    const seen = await repo.peek('register', address);
    if (seen && seen.hits >= limit.limit) {
      const retry = secondsUntil(seen.windowEndsAt);
      throw new TooManyRequests(`Too many accounts were created from your address: try again in ${wait(retry)}.`, retry);
    }
    const { status, error } = await outcome(next, ctx);
    // Only accounts made count: a taken name or a typo costs nothing, and concurrent identical requests make one.
    if (status < 400) await repo.hit('register', address, limit.windowSeconds);
    if (error !== undefined) throw error;
  }

  /** The device endpoints speak OAuth (RFC 6749 §5.2); `slow_down` is what RFC 8628 clients already back off on. */
  async function device(ctx: AppContext, next: () => Promise<unknown>, address: string, limit: RateLimitSetting): Promise<void> {
    const count = await repo.hit(`device:${ctx.path}`, address, limit.windowSeconds);
    if (count.hits <= limit.limit) return void (await next());
    const retry = secondsUntil(count.windowEndsAt);
    ctx.status = 429;
    ctx.set('Retry-After', String(retry));
    ctx.set('Cache-Control', 'no-store');
    ctx.body = {
      error: 'slow_down',
      error_description: `Too many requests from your address: wait ${wait(retry)} before trying again.`,
      retry_after: retry,
    };
  }

  return async (ctx, next) => {
    if (ctx.method !== 'POST') return next();
    const kind = LOGIN_PATHS.has(ctx.path)
      ? 'login'
      : REGISTER_PATHS.has(ctx.path)
        ? 'register'
        : DEVICE_PATHS.has(ctx.path)
          ? 'device'
          : null;
    if (kind === null) return next();
    if (Date.now() - lastPrune > PRUNE_EVERY_MS) {
      lastPrune = Date.now();
      // Housekeeping off the request's path; a failure only means the next prune has more to do.
      repo.prune().catch(() => undefined);
    }
    const address = clientAddress(ctx, settings.trustProxy);
    if (kind === 'login') return login(ctx, next, address);
    if (kind === 'register') return settings.register ? register(ctx, next, address, settings.register) : next();
    return settings.device ? device(ctx, next, address, settings.device) : next();
  };
}
