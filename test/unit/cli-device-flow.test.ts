import { describe, expect, it } from 'vitest';
import { ApiClient } from '../../src/cli/artdag/api-client.js';
import { CLIENT_ID, DEVICE_CODE_GRANT, pollForToken, requestDeviceCode, type DeviceCode } from '../../src/cli/artdag/device-flow.js';
import { CliError } from '../../src/cli/artdag/errors.js';

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** A token endpoint that gives the scripted answers in turn, on a clock that only moves when the CLI sleeps. */
function scripted(answers: Response[]) {
  let now = 0;
  const sleeps: number[] = [];
  const polls: { at: number; body: unknown }[] = [];
  const fetchImpl = (async (url: string, init: RequestInit) => {
    expect(String(url)).toBe('http://l2.test/auth/device/token');
    polls.push({ at: now, body: JSON.parse(String(init.body)) });
    const answer = answers.shift();
    if (!answer) throw new Error('polled more often than scripted');
    return answer;
  }) as typeof fetch;
  const clock = {
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
  };
  return { api: new ApiClient('http://l2.test', undefined, fetchImpl), clock, sleeps, polls };
}

const code: DeviceCode = {
  device_code: 'dev-123',
  user_code: 'BCDF-GHJK',
  verification_uri: 'http://l2.test/device',
  verification_uri_complete: 'http://l2.test/device?code=BCDF-GHJK',
  expires_in: 900,
  interval: 5,
};

const pending = () => json(400, { error: 'authorization_pending', error_description: 'Not approved yet.' });
const token = () => json(200, { access_token: 'tok', token_type: 'bearer', expires_in: 3600 });

async function failure(promise: Promise<unknown>): Promise<CliError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CliError);
  return err as CliError;
}

describe('the device authorization grant', () => {
  it('asks for a code as the artdag-cli client', async () => {
    const requests: { url: string; body: unknown }[] = [];
    const api = new ApiClient('http://l2.test', 'old-token', (async (url: string, init: RequestInit) => {
      requests.push({ url: String(url), body: JSON.parse(String(init.body)) });
      expect(new Headers(init.headers).get('authorization')).toBeNull();
      return json(200, code);
    }) as typeof fetch);
    expect(await requestDeviceCode(api)).toEqual(code);
    expect(requests).toEqual([{ url: 'http://l2.test/auth/device/code', body: { client_id: CLIENT_ID } }]);
  });

  it('polls every interval while authorization is pending, then returns the token', async () => {
    const { api, clock, sleeps, polls } = scripted([pending(), pending(), token()]);
    expect(await pollForToken(api, code, clock)).toEqual({ access_token: 'tok', token_type: 'bearer', expires_in: 3600 });
    expect(sleeps).toEqual([5000, 5000, 5000]);
    expect(polls[0]!.body).toEqual({ grant_type: DEVICE_CODE_GRANT, device_code: 'dev-123', client_id: 'artdag-cli' });
  });

  it('adds 5 seconds to the interval at each slow_down (RFC 8628 §3.5)', async () => {
    const slowDown = () => json(400, { error: 'slow_down', error_description: 'Polling too fast.' });
    const { api, clock, sleeps } = scripted([slowDown(), pending(), slowDown(), token()]);
    await pollForToken(api, { ...code, interval: 2 }, clock);
    expect(sleeps).toEqual([2000, 7000, 7000, 12000]);
  });

  it('polls every 5 seconds when the server names no interval', async () => {
    const { api, clock, sleeps } = scripted([token()]);
    await pollForToken(api, { ...code, interval: undefined }, clock);
    expect(sleeps).toEqual([5000]);
  });

  it('exits 4 with "denied" when the user refuses', async () => {
    const { api, clock } = scripted([pending(), json(400, { error: 'access_denied' })]);
    const err = await failure(pollForToken(api, code, clock));
    expect(err.exitCode).toBe(4);
    expect(err.message).toMatch(/^denied/);
  });

  it('exits 4 telling to log in again when the code expired on the server', async () => {
    const { api, clock } = scripted([json(400, { error: 'expired_token' })]);
    const err = await failure(pollForToken(api, code, clock));
    expect(err).toMatchObject({ exitCode: 4, message: 'code expired, run login again' });
  });

  it('stops polling once expires_in has passed, even if the server keeps saying pending', async () => {
    const { api, clock, polls } = scripted([pending(), pending(), pending()]);
    const err = await failure(pollForToken(api, { ...code, expires_in: 12 }, clock));
    expect(err).toMatchObject({ exitCode: 4, message: 'code expired, run login again' });
    expect(polls.map((p) => p.at)).toEqual([5000, 10000]);
  });

  it('reports other OAuth errors as an auth failure, and server errors as unavailable', async () => {
    const invalid = await failure(
      pollForToken(
        scripted([json(400, { error: 'invalid_grant', error_description: 'Unknown device code.' })]).api,
        code,
        scripted([]).clock,
      ),
    );
    expect(invalid).toMatchObject({ exitCode: 4, message: 'login failed: Unknown device code.' });
    const broken = scripted([json(500, { error: { code: 'internal_error', message: 'Something broke.' } })]);
    expect(await failure(pollForToken(broken.api, code, broken.clock))).toMatchObject({ exitCode: 3, message: 'Something broke.' });
  });
});
