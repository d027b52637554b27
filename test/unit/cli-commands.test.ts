import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { CredentialStore } from '../../src/cli/artdag/credentials.js';
import { run } from '../../src/cli/artdag/main.js';

type Handler = (request: { method: string; url: URL; body: unknown; headers: Headers; stdout: string }) => Response | Promise<Response>;

let configDir: string;
beforeEach(() => {
  configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'artdag-cli-'));
});

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const refused = () => {
  throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }) });
};

/** Runs the CLI in-process against `handler` as the network, on a clock that moves only when the CLI sleeps. */
async function cli(argv: string[], handler: Handler = refused, options: { server?: string; stdin?: string } = {}) {
  let stdout = '';
  let stderr = '';
  let now = 0;
  const requests: string[] = [];
  const code = await run({
    argv,
    env: { server: options.server, configDir, xdgConfigHome: undefined, home: configDir },
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    stdin: options.stdin === undefined ? [] : [options.stdin],
    fetch: (async (input: string, init: RequestInit) => {
      const url = new URL(input);
      const method = init.method ?? 'GET';
      requests.push(`${method} ${url.pathname}${url.search}`);
      const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
      return handler({ method, url, body, headers: new Headers(init.headers), stdout });
    }) as typeof fetch,
    clock: { now: () => now, sleep: async (ms) => void (now += ms) },
  });
  return { code, stdout, stderr, requests, elapsed: now };
}

const store = () => new CredentialStore(configDir);
const saveLogin = (origin = 'http://l2.test', token = 'saved-token') =>
  store().save(origin, { token, username: 'alice', saved_at: '2026-01-01T00:00:00.000Z' });

const asset = { name: 'out', asset_type: 'video', owner: '@alice@l2.test', content_hash: 'ab'.repeat(32), tags: [], size_bytes: 5 };

describe('exit codes', () => {
  it('exits 4 when no login is saved for the server', async () => {
    const result = await cli(['whoami', '--server', 'http://127.0.0.1:8200']);
    expect(result).toMatchObject({ code: 4, stderr: 'error: not logged in to http://127.0.0.1:8200: run "artdag login"\n', requests: [] });
  });

  it("exits 4 on a 401 and prints the server's message", async () => {
    saveLogin();
    const result = await cli(['whoami'], ({ headers }) => {
      expect(headers.get('authorization')).toBe('Bearer saved-token');
      return json(401, { error: { code: 'token_revoked', message: 'This session was logged out.' } });
    });
    expect(result).toMatchObject({ code: 4, stderr: 'error: This session was logged out.\n' });
  });

  it('exits 5 on a 404 and 6 on a 409, with the message from the JSON error', async () => {
    const result = await cli(['assets', 'show', 'nope', '--server', 'http://l2.test'], () =>
      json(404, { error: { code: 'not_found', message: 'No asset named "nope".' } }),
    );
    expect(result).toMatchObject({ code: 5, stderr: 'error: No asset named "nope".\n' });
    const conflict = await cli(['assets', 'show', 'x', '--server', 'http://l2.test'], () =>
      json(409, { error: { code: 'conflict', message: 'Taken.' } }),
    );
    expect(conflict).toMatchObject({ code: 6, stderr: 'error: Taken.\n' });
  });

  it('exits 1 on any other refusal', async () => {
    const result = await cli(['assets', 'list', '--server', 'http://l2.test'], () =>
      json(400, { error: { code: 'invalid_request', message: 'Invalid request query: limit: too big' } }),
    );
    expect(result).toMatchObject({ code: 1, stderr: 'error: Invalid request query: limit: too big\n' });
  });

  it('exits 3 naming the request and the system error when the network fails', async () => {
    const result = await cli(['assets', 'list', '--server', 'http://127.0.0.1:9']);
    expect(result).toMatchObject({ code: 3, stderr: 'error: GET http://127.0.0.1:9/assets failed: connect ECONNREFUSED 127.0.0.1:9\n' });
  });

  it('with --json, also prints the error as {"error": ...} on stdout, with the server\'s code, status and request id', async () => {
    const missing = await cli(['assets', 'show', 'nope', '--json', '--server', 'http://l2.test'], () =>
      json(404, { error: { code: 'not_found', message: 'No asset named "nope".', request_id: 'req-1' } }),
    );
    expect(missing).toMatchObject({ code: 5, stderr: 'error: No asset named "nope".\n' });
    expect(JSON.parse(missing.stdout)).toEqual({
      error: { code: 'not_found', message: 'No asset named "nope".', status: 404, request_id: 'req-1', exit_code: 5 },
    });
    const conflict = await cli(['assets', 'show', 'x', '--json', '--server', 'http://l2.test'], () =>
      json(409, { error: { code: 'name_taken', message: 'Taken.', details: { field: 'name' } } }),
    );
    expect(JSON.parse(conflict.stdout).error).toMatchObject({ code: 'name_taken', status: 409, details: { field: 'name' }, exit_code: 6 });
    const down = await cli(['assets', 'list', '--json', '--server', 'http://127.0.0.1:9']);
    expect(JSON.parse(down.stdout).error).toMatchObject({ code: 'unavailable', exit_code: 3 });
    const usage = await cli(['assets', 'register', 'file.png', '--type', 'image', '--json']);
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stdout)).toEqual({ error: { code: 'usage', message: 'missing --name NAME', exit_code: 2 } });
    expect(usage.stderr).toContain('usage: artdag assets register');
  });

  it('says what the server answered when the error is not JSON', async () => {
    const result = await cli(
      ['assets', 'list', '--server', 'http://l2.test'],
      () => new Response('<html>', { status: 502, statusText: 'Bad Gateway' }),
    );
    expect(result).toMatchObject({ code: 3, stderr: 'error: the server answered 502 Bad Gateway\n' });
  });
});

describe('choosing the server', () => {
  it('uses --server, else $ARTDAG_SERVER, else the last login, else localhost:8200', async () => {
    const ok: Handler = () => json(200, { items: [], next_cursor: null });
    const origin = async (argv: string[], server?: string) => {
      let seen = '';
      await cli(argv, (request) => ((seen = request.url.origin), ok(request)), { server });
      return seen;
    };
    expect(await origin(['assets', 'list'])).toBe('http://localhost:8200');
    saveLogin('http://saved.test');
    expect(await origin(['assets', 'list'])).toBe('http://saved.test');
    expect(await origin(['assets', 'list'], 'http://env.test')).toBe('http://env.test');
    expect(await origin(['assets', 'list', '--server', 'http://flag.test/'], 'http://env.test')).toBe('http://flag.test');
  });
});

describe('assets list', () => {
  const row = { name: 'a', asset_type: 'image', owner_username: 'alice', size_bytes: 10, content_hash: 'ab'.repeat(32), tags: ['x'] };

  it('prints JSON with --json, a table without, and nothing with --quiet', async () => {
    const page = () => json(200, { items: [row], next_cursor: null });
    expect(JSON.parse((await cli(['assets', 'list', '--json', '--server', 'http://l2.test'], page)).stdout)).toEqual({
      items: [row],
      next_cursor: null,
    });
    const human = await cli(['assets', 'list', '--server', 'http://l2.test'], page);
    expect(human.stdout).toMatch(/^NAME\s+TYPE\s+OWNER\s+SIZE\s+SHA3-256\s+TAGS\na\s+image\s+alice\s+10 B\s+abababababab\s+x\n$/);
    expect(await cli(['assets', 'list', '--quiet', '--server', 'http://l2.test'], page)).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });

  it('follows next_cursor only with --all', async () => {
    const handler: Handler = ({ url }) =>
      url.searchParams.get('cursor') === 'c1'
        ? json(200, { items: [{ ...row, name: 'b' }], next_cursor: null })
        : json(200, { items: [row], next_cursor: 'c1' });
    const one = await cli(['assets', 'list', '--json', '--server', 'http://l2.test'], handler);
    expect(JSON.parse(one.stdout).next_cursor).toBe('c1');
    const all = await cli(['assets', 'list', '--all', '--json', '--type', 'image', '--server', 'http://l2.test'], handler);
    expect(JSON.parse(all.stdout)).toMatchObject({ items: [{ name: 'a' }, { name: 'b' }], next_cursor: null });
    expect(all.requests).toEqual(['GET /assets?asset_type=image&limit=100', 'GET /assets?asset_type=image&limit=100&cursor=c1']);
  });
});

describe('record-run and publish-cache', () => {
  beforeEach(() => saveLogin());
  const started = json(202, { status: 'running', job_id: 'record-run:x', status_url: '/jobs/record-run%3Ax' });

  it('prints the asset at once on 201, sending the run, the L1, the output name and the type', async () => {
    let sent: unknown;
    const result = await cli(
      ['record-run', 'run-1', '--l1', 'http://l1.test', '--name', 'out', '--type', 'video', '--wait', '5', '--json'],
      ({ body }) => {
        sent = body;
        return json(201, asset);
      },
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(asset);
    expect(sent).toEqual({ run_id: 'run-1', l1_server: 'http://l1.test', output_name: 'out', asset_type: 'video', wait: 5 });
  });

  it('follows the status URL after 202 until the job completes', async () => {
    const statuses = [
      { job_id: 'record-run:x', status: 'running', step: 'fetching' },
      { job_id: 'record-run:x', status: 'retrying', step: 'fetching', attempt: 2, last_error: 'L1 timed out' },
      { job_id: 'record-run:x', status: 'completed', result: asset },
    ];
    const result = await cli(['record-run', 'run-1', '--l1', 'http://l1.test', '--name', 'out', '--json'], ({ method }) =>
      method === 'POST' ? started.clone() : json(200, statuses.shift()),
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(asset);
    expect(result.requests).toEqual([
      'POST /assets/record-run',
      'GET /jobs/record-run%3Ax',
      'GET /jobs/record-run%3Ax',
      'GET /jobs/record-run%3Ax',
    ]);
  });

  it('sends tags and a description, and with --no-wait prints the started job without following it', async () => {
    const result = await cli(
      ['publish-cache', 'ab'.repeat(32), '--l1', 'http://l1.test', '--name', 'out', '--tags', 'a,b', '--description', 'd', '--no-wait'],
      ({ body }) => {
        expect(body).toEqual({
          content_hash: 'ab'.repeat(32),
          l1_server: 'http://l1.test',
          name: 'out',
          tags: 'a,b',
          description: 'd',
          wait: 0,
        });
        return started.clone();
      },
    );
    expect(result).toMatchObject({
      code: 0,
      stdout: 'Started record-run:x; follow it at http://l2.test/jobs/record-run%3Ax\n',
      requests: ['POST /assets/publish-cache'],
    });
  });

  it("exits 1 with the job's error message when it fails", async () => {
    const result = await cli(['publish-cache', 'ab'.repeat(32), '--l1', 'http://l1.test', '--name', 'out'], ({ method, body }) => {
      if (method === 'POST') {
        expect(body).toEqual({ content_hash: 'ab'.repeat(32), l1_server: 'http://l1.test', name: 'out' });
        return started.clone();
      }
      return json(200, { job_id: 'record-run:x', status: 'failed', error: { code: 'hash_mismatch', message: 'The L1 sent other bytes.' } });
    });
    expect(result).toMatchObject({ code: 1, stderr: 'error: The L1 sent other bytes.\n' });
    const taken = await cli(['publish-cache', 'ab'.repeat(32), '--l1', 'http://l1.test', '--name', 'out'], ({ method }) =>
      method === 'POST'
        ? started.clone()
        : json(200, { job_id: 'x', status: 'failed', error: { status: 409, code: 'name_taken', message: 'Taken.' } }),
    );
    expect(taken).toMatchObject({ code: 6, stderr: 'error: Taken.\n' });
  });

  it('gives up after --wait-total seconds, naming the status URL', async () => {
    const result = await cli(['record-run', 'run-1', '--l1', 'http://l1.test', '--name', 'out', '--wait-total', '7'], ({ method }) =>
      method === 'POST' ? started.clone() : json(200, { job_id: 'record-run:x', status: 'running', step: 'fetching' }),
    );
    expect(result.code).toBe(7);
    expect(result.stderr).toBe('error: job record-run:x is still running after 7 s; follow it at http://l2.test/jobs/record-run%3Ax\n');
    expect(result.elapsed).toBe(7000);
  });
});

describe('login --with-token and logout', () => {
  it('checks a token from stdin with /auth/me and saves it as the default server', async () => {
    const result = await cli(
      ['login', '--with-token', '--server', 'http://l2.test'],
      ({ headers }) =>
        headers.get('authorization') === 'Bearer piped-token'
          ? json(200, { username: 'alice' })
          : json(401, { error: { message: 'bad token' } }),
      { stdin: 'piped-token\n' },
    );
    expect(result).toMatchObject({ code: 0, stdout: 'Logged in to http://l2.test as alice.\n' });
    expect(store().read()).toMatchObject({
      default: 'http://l2.test',
      servers: { 'http://l2.test': { token: 'piped-token', username: 'alice' } },
    });
    const bad = await cli(['login', '--with-token'], () => json(401, { error: { message: 'bad token' } }), { stdin: 'wrong' });
    expect(bad).toMatchObject({ code: 4, stderr: 'error: bad token\n' });
    expect(store().get('http://l2.test')?.token).toBe('piped-token');
  });

  it('forgets the token when the server revokes it or already refuses it (401)', async () => {
    saveLogin();
    expect((await cli(['logout'], () => json(200, { revoked: true }))).code).toBe(0);
    expect(store().read()).toEqual({ servers: {} });
    saveLogin();
    const expired = await cli(['logout'], () => json(401, { error: { message: 'expired' } }));
    expect(expired).toMatchObject({ code: 0, stdout: 'The token was no longer valid on http://l2.test; it is forgotten.\n' });
    expect(store().read()).toEqual({ servers: {} });
  });

  it('keeps the token when the server cannot revoke it', async () => {
    saveLogin();
    expect((await cli(['logout'], () => json(503, { error: { message: 'down for maintenance' } }))).code).toBe(3);
    expect((await cli(['logout'])).stderr).toMatch(/the token is still saved/);
    expect(store().get('http://l2.test')?.token).toBe('saved-token');
  });
});

describe('login with the device flow', () => {
  const grant = {
    device_code: 'device-secret',
    user_code: 'BCDF-GHJK',
    verification_uri: 'http://l2.test/device',
    verification_uri_complete: 'http://l2.test/device?code=BCDF-GHJK',
    expires_in: 900,
    interval: 5,
  };

  /** A server that answers pending once, then the token; `onPoll` sees what the CLI printed by each poll. */
  function deviceServer(onPoll: (stdout: string) => void = () => undefined): Handler {
    let polls = 0;
    return ({ url, body, headers, stdout }) => {
      if (url.pathname === '/auth/device/code') return (expect(body).toEqual({ client_id: 'artdag-cli' }), json(200, grant));
      if (url.pathname === '/auth/device/token') {
        onPoll(stdout);
        expect(body).toEqual({
          grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
          device_code: 'device-secret',
          client_id: 'artdag-cli',
        });
        return ++polls === 1
          ? json(400, { error: 'authorization_pending', error_description: 'Not approved yet.' })
          : json(200, { access_token: 'device-token', token_type: 'bearer', expires_in: 3600 });
      }
      expect(headers.get('authorization')).toBe('Bearer device-token');
      return json(200, { username: 'alice' });
    };
  }

  it('with --json, prints the code as one JSON line before polling, then the result', async () => {
    const printedByPoll: string[] = [];
    const result = await cli(
      ['login', '--json', '--server', 'http://l2.test'],
      deviceServer((stdout) => printedByPoll.push(stdout)),
    );
    expect(result.code).toBe(0);
    expect(printedByPoll).toHaveLength(2);
    expect(printedByPoll[0]).toMatch(/^\{"user_code":"BCDF-GHJK",.*\}\n$/);
    const [first, ...rest] = result.stdout.split('\n');
    expect(JSON.parse(first!)).toEqual({
      user_code: 'BCDF-GHJK',
      verification_uri: 'http://l2.test/device',
      verification_uri_complete: 'http://l2.test/device?code=BCDF-GHJK',
      expires_in: 900,
    });
    expect(JSON.parse(rest.join('\n'))).toMatchObject({ server: 'http://l2.test', username: 'alice' });
    expect(result.stderr).toBe('Open http://l2.test/device?code=BCDF-GHJK and confirm the code BCDF-GHJK\n');
    expect(result.elapsed).toBe(10_000);
    expect(store().get('http://l2.test')).toMatchObject({ token: 'device-token', username: 'alice' });
  });

  it('without --json, shows where to approve on stdout and says who is logged in', async () => {
    const result = await cli(['login', '--server', 'http://l2.test'], deviceServer());
    expect(result).toMatchObject({
      code: 0,
      stderr: '',
      stdout: 'Open http://l2.test/device?code=BCDF-GHJK and confirm the code BCDF-GHJK\nLogged in to http://l2.test as alice.\n',
    });
  });
});
