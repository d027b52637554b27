// OAuth 2.0 Device Authorization Grant (RFC 8628) against L2: ask for a user code, then poll the token endpoint
// at the pace the server sets until the person approves or denies it in a browser, or the code expires.
import { errorCodeOf, errorFrom, readJson, type ApiClient } from './api-client.js';
import type { Clock } from './command.js';
import { CliError, EXIT } from './errors.js';

export const CLIENT_ID = 'artdag-cli';
export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
/** RFC 8628 §3.2: the polling interval when the server names none. */
const DEFAULT_INTERVAL_S = 5;
/** RFC 8628 §3.5: how much slower to poll after each slow_down. */
const SLOW_DOWN_S = 5;

export interface DeviceCode {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete?: string;
  expires_in: number;
  interval?: number;
}

export interface DeviceToken {
  access_token: string;
  token_type: string;
  expires_in?: number;
}

export async function requestDeviceCode(api: ApiClient): Promise<DeviceCode> {
  const { body } = await api.json<DeviceCode>('POST', '/auth/device/code', { json: { client_id: CLIENT_ID }, auth: false });
  if (typeof body?.device_code !== 'string' || typeof body.user_code !== 'string' || typeof body.verification_uri !== 'string') {
    throw new CliError(`${api.url('/auth/device/code')} did not answer with a device code`);
  }
  return body;
}

/** Polls until a token comes back; `onWait` hears the seconds left before the code expires. */
export async function pollForToken(
  api: ApiClient,
  code: DeviceCode,
  clock: Clock,
  onWait: (secondsLeft: number) => void = () => undefined,
): Promise<DeviceToken> {
  let intervalMs = (code.interval && code.interval > 0 ? code.interval : DEFAULT_INTERVAL_S) * 1000;
  const deadline = clock.now() + code.expires_in * 1000;
  const expired = () => new CliError('code expired, run login again', EXIT.auth);
  for (;;) {
    onWait(Math.max(0, Math.round((deadline - clock.now()) / 1000)));
    await clock.sleep(intervalMs);
    if (clock.now() >= deadline) throw expired();
    const res = await api.send('POST', '/auth/device/token', {
      json: { grant_type: DEVICE_CODE_GRANT, device_code: code.device_code, client_id: CLIENT_ID },
      auth: false,
    });
    const body = await readJson(res);
    if (res.ok) {
      const token = body as DeviceToken | null;
      if (typeof token?.access_token !== 'string') throw new CliError(`${api.url('/auth/device/token')} answered without an access_token`);
      return token;
    }
    switch (errorCodeOf(body)) {
      case 'authorization_pending':
        continue;
      case 'slow_down':
        intervalMs += SLOW_DOWN_S * 1000;
        continue;
      case 'access_denied':
        throw new CliError('denied: the login was refused in the browser', EXIT.auth);
      case 'expired_token':
        throw expired();
      default: {
        const error = await errorFrom(res, body);
        // Any other OAuth error (invalid_grant, invalid_client) ends this login attempt.
        throw res.status === 400 ? new CliError(`login failed: ${error.message}`, EXIT.auth) : error;
      }
    }
  }
}
