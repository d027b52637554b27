// Device authorization (RFC 8628) for the CLI: a device asks for a code pair, a signed-in user approves the short
// user code in a browser, and the device's polling turns into a session token exactly once.
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { AppError, TooManyRequests } from '../domain/errors.js';
import type { DeviceCodeRow, DeviceCodesRepository } from '../db/repositories/device-codes-repository.js';
import type { UserRow, UsersRepository } from '../db/repositories/users-repository.js';
import type { SessionsService } from './sessions-service.js';

/** RFC 8628 §6.1: consonants only (no vowels, so no words; no 0/O or 1/I to confuse). 20^8 ≈ 2.6e10 codes. */
export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
const USER_CODE_LENGTH = 8;
export const DEVICE_CODE_TTL_SECONDS = 900;
export const DEVICE_POLL_INTERVAL_SECONDS = 5;
/** Wrong user codes a user may enter in the window before being told to wait (guessing defence). */
const GUESS_LIMIT = 10;
const GUESS_WINDOW_MS = 10 * 60_000;

export type DeviceTokenError =
  'authorization_pending' | 'slow_down' | 'access_denied' | 'expired_token' | 'invalid_grant' | 'invalid_client';

/** An RFC 6749 §5.2 error answer for the token endpoint. */
export class DeviceTokenRefused extends Error {
  constructor(
    readonly error: DeviceTokenError,
    readonly description: string,
    readonly interval?: number,
  ) {
    super(description);
  }
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Upper-cases and strips separators and spaces, then checks the alphabet; "bcdf-ghjk" → "BCDF-GHJK". */
export function normaliseUserCode(input: string): string | null {
  const compact = input.toUpperCase().replace(/[\s-]/g, '');
  if (compact.length !== USER_CODE_LENGTH || [...compact].some((c) => !USER_CODE_ALPHABET.includes(c))) return null;
  return `${compact.slice(0, 4)}-${compact.slice(4)}`;
}

function newUserCode(): string {
  let code = '';
  for (let i = 0; i < USER_CODE_LENGTH; i++) code += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

export interface DeviceCodeGrant {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

export class DeviceAuthService {
  /** Recent wrong user codes per user id (in memory: a guesser must also hold a session, which we can revoke). */
  private readonly failures = new Map<number, number[]>();

  constructor(
    private readonly codes: DeviceCodesRepository,
    private readonly users: UsersRepository,
    private readonly sessions: SessionsService,
    private readonly publicUrl: string,
  ) {}

  async start(clientId: string): Promise<DeviceCodeGrant> {
    const deviceCode = randomBytes(32).toString('base64url');
    const expires = new Date(Date.now() + DEVICE_CODE_TTL_SECONDS * 1000);
    // A user-code collision among live codes is astronomically rare; try again rather than fail.
    for (let attempt = 0; attempt < 5; attempt++) {
      const userCode = newUserCode();
      const row = await this.codes.create({
        device_code_hash: sha256(deviceCode),
        user_code: userCode,
        client_id: clientId,
        interval_seconds: DEVICE_POLL_INTERVAL_SECONDS,
        expires_at: expires,
      });
      if (row) {
        return {
          device_code: deviceCode,
          user_code: userCode,
          verification_uri: `${this.publicUrl}/device`,
          verification_uri_complete: `${this.publicUrl}/device?code=${encodeURIComponent(userCode)}`,
          expires_in: DEVICE_CODE_TTL_SECONDS,
          interval: DEVICE_POLL_INTERVAL_SECONDS,
        };
      }
    }
    throw new Error('could not allocate a unique user code');
  }

  /** One poll of the token endpoint: the session token once approved, otherwise the RFC 8628 error. */
  async poll(
    deviceCode: string,
    clientId: string,
  ): Promise<{ access_token: string; token_type: 'bearer'; expires_in: number; username: string }> {
    const row = await this.codes.byDeviceCode(sha256(deviceCode));
    if (!row) throw new DeviceTokenRefused('invalid_grant', 'Unknown device_code: start again with POST /auth/device/code.');
    if (row.client_id !== clientId) throw new DeviceTokenRefused('invalid_grant', 'This device_code was issued to another client_id.');
    if (row.status === 'used')
      throw new DeviceTokenRefused('invalid_grant', 'This device_code was already exchanged for a token; codes are single-use.');
    if (row.expires_at.getTime() <= Date.now())
      throw new DeviceTokenRefused('expired_token', 'The device code has expired: start again with POST /auth/device/code.');
    const sincePrevious = await this.codes.poll(row.id);
    // A little slack for timers that fire a few milliseconds early.
    if (sincePrevious !== null && sincePrevious < row.interval_seconds * 1000 - 250) {
      await this.codes.slowDown(row.id);
      const interval = row.interval_seconds + 5;
      throw new DeviceTokenRefused('slow_down', `Polling too fast: wait at least ${interval} seconds between requests.`, interval);
    }
    if (row.status === 'denied') throw new DeviceTokenRefused('access_denied', 'The user denied this device.');
    if (row.status === 'pending') throw new DeviceTokenRefused('authorization_pending', 'Waiting for the user to approve this device.');
    const user = row.user_id === null ? null : await this.users.findById(row.user_id);
    if (!user || !(await this.codes.use(row.id))) {
      throw new DeviceTokenRefused('invalid_grant', 'This device_code was already exchanged for a token; codes are single-use.');
    }
    const { token, claims } = await this.sessions.issue(user.username);
    return {
      access_token: token,
      token_type: 'bearer',
      expires_in: Math.round((claims.expiresAt.getTime() - Date.now()) / 1000),
      username: user.username,
    };
  }

  /** The pending code a user typed (for the confirmation page); wrong codes count towards the guess limit. */
  async pending(user: UserRow, input: string): Promise<DeviceCodeRow> {
    this.checkGuessLimit(user);
    const userCode = normaliseUserCode(input);
    const row = userCode ? await this.codes.byUserCode(userCode) : null;
    if (!row || row.expires_at.getTime() <= Date.now()) {
      this.recordFailure(user);
      if (!userCode) throw new AppError(400, 'invalid_user_code', `"${input}" is not a code: codes look like BCDF-GHJK (8 letters).`);
      throw new AppError(
        404,
        'unknown_user_code',
        `No device is waiting with code ${userCode}; check the code shown by your device, or start again there.`,
      );
    }
    if (row.status !== 'pending') {
      this.recordFailure(user);
      throw new AppError(
        409,
        'user_code_used',
        `Code ${row.user_code} was already ${row.status === 'denied' ? 'denied' : 'approved'}; codes are single-use.`,
      );
    }
    return row;
  }

  async decide(user: UserRow, input: string, approve: boolean): Promise<DeviceCodeRow> {
    const row = await this.pending(user, input);
    if (!(await this.codes.decide(row.id, approve ? 'approved' : 'denied', user.id))) {
      throw new AppError(409, 'user_code_used', `Code ${row.user_code} was already used; codes are single-use.`);
    }
    return row;
  }

  private checkGuessLimit(user: UserRow): void {
    const now = Date.now();
    const recent = (this.failures.get(user.id) ?? []).filter((t) => now - t < GUESS_WINDOW_MS);
    this.failures.set(user.id, recent);
    if (recent.length >= GUESS_LIMIT) {
      const retryAfter = Math.ceil((recent[0]! + GUESS_WINDOW_MS - now) / 1000);
      throw new TooManyRequests(`Too many wrong device codes: try again in ${Math.ceil(retryAfter / 60)} minutes.`, retryAfter);
    }
  }

  private recordFailure(user: UserRow): void {
    this.failures.set(user.id, [...(this.failures.get(user.id) ?? []), Date.now()]);
  }
}
