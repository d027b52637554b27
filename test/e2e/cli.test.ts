import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { contentHashOf } from '../../src/domain/content-hash.js';
import { FakeBitcoin } from '../doubles/fake-bitcoin.js';
import { FakeCalendar } from '../doubles/ots-calendar.js';
import { client, CookieJar } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { closedPort } from '../helpers/storage-servers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const work = fs.mkdtempSync(path.join(inject('testRoot'), 'cli-'));
const bundle = path.join(work, 'dist', 'artdag.mjs');
const configDir = path.join(work, 'config');
const credentialsFile = path.join(configDir, 'credentials.json');
const PASSWORD = 'a long enough password';

let server: TestServer;
let chain: FakeBitcoin;
let calendars: FakeCalendar[];

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the bundled CLI as a user would; `waitFor` resolves when its stdout shows a pattern. */
function spawnCli(args: string[]) {
  const child = spawn(process.execPath, [bundle, ...args], {
    cwd: work,
    env: { PATH: process.env.PATH ?? '', HOME: work, ARTDAG_CONFIG_DIR: configDir, ARTDAG_SERVER: server.url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const listener of listeners) listener();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<Finished>((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
  return {
    exited,
    waitFor(pattern: RegExp): Promise<RegExpExecArray> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(stdout);
          if (match) {
            listeners.delete(check);
            resolve(match);
          }
        };
        listeners.add(check);
        check();
        void exited.then(({ code }) => reject(new Error(`artdag exited (${code}) before printing ${pattern}:\n${stdout}\n${stderr}`)));
      });
    },
  };
}

const artdag = (...args: string[]) => spawnCli(args).exited;

function savedToken(): string {
  return JSON.parse(fs.readFileSync(credentialsFile, 'utf8')).servers[server.url].token;
}

/** Approves a device code the way a person does in a browser: log in through the form, open /device, approve. */
async function approveInBrowser(username: string, userCode: string): Promise<void> {
  const html = { accept: 'text/html', origin: server.url };
  const jar = new CookieJar();
  const browser = client(server.url, jar);
  const csrfOf = (page: string) => /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
  const loginPage = await browser.get('/login', { headers: html });
  const loggedIn = await browser.post('/login', { form: { _csrf: csrfOf(loginPage.text), username, password: PASSWORD }, headers: html });
  expect(loggedIn.status).toBe(302);
  const device = await browser.get(`/device?code=${encodeURIComponent(userCode)}`, { headers: html });
  expect(device.status).toBe(200);
  expect(device.text).toContain(userCode);
  const approved = await browser.post('/device', {
    form: { _csrf: csrfOf(device.text), user_code: userCode, action: 'approve' },
    headers: html,
  });
  expect(approved.status).toBe(200);
}

beforeAll(async () => {
  const build = new Promise<void>((resolve, reject) =>
    execFile(process.execPath, ['scripts/build-cli.mjs', '--outfile', bundle], { cwd: root }, (err, _stdout, stderr) =>
      err ? reject(new Error(`build failed: ${stderr}`)) : resolve(),
    ),
  );
  chain = await FakeBitcoin.start();
  calendars = [await FakeCalendar.start(chain), await FakeCalendar.start(chain)];
  server = await startTestServer({
    env: { OTS_CALENDARS: calendars.map((c) => c.url).join(','), OTS_MIN_CALENDARS: '2', BITCOIN_ESPLORA_URL: chain.esploraUrl },
  });
  await build;
});
afterAll(async () => {
  await server?.stop();
  for (const calendar of calendars ?? []) await calendar.stop();
  await chain?.stop();
});

describe('the artdag bundle', () => {
  it('is one executable file that imports only node: built-ins', async () => {
    const text = fs.readFileSync(bundle, 'utf8');
    expect(text.startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(fs.statSync(bundle).mode & 0o111).not.toBe(0);
    const imports = [...text.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]);
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.every((specifier) => specifier!.startsWith('node:'))).toBe(true);
    expect(text).not.toMatch(/knex|@temporalio|from "koa"|from "pg"/);
    const version = await artdag('--version');
    const { version: packageVersion } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
    expect(version).toMatchObject({ code: 0, stdout: `artdag ${packageVersion}\n` });
    const help = await artdag('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes:');
  });

  it('exits 2 with the usage on stderr for an unknown option, and 4 before login', async () => {
    const usage = await artdag('whoami', '--bogus');
    expect(usage).toMatchObject({ code: 2, stdout: '' });
    expect(usage.stderr).toContain('error: unknown option --bogus\nusage: artdag whoami');
    const anonymous = await artdag('whoami');
    expect(anonymous.code).toBe(4);
    expect(anonymous.stderr).toContain(`not logged in to ${server.url}`);
  });
});

describe('an artist session through the CLI', () => {
  let activityId: string;
  const file = path.join(work, 'artwork.png');
  const bytes = randomBytes(2 * 1024 * 1024 + 123);

  it('logs in with the device flow, approved in the browser, and saves the token (0600)', async () => {
    const registered = await client(server.url).post('/auth/register', { json: { username: 'painter', password: PASSWORD } });
    expect(registered.status).toBe(201);
    const login = spawnCli(['login']);
    const [, url, userCode] = await login.waitFor(/Open (\S+) and confirm the code ([A-Z]{4}-[A-Z]{4})\n/);
    expect(url).toBe(`${server.config.publicUrl}/device?code=${userCode}`);
    await approveInBrowser('painter', userCode!);
    const result = await login.exited;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Logged in to ${server.url} as painter.`);
    expect(fs.statSync(credentialsFile).mode & 0o777).toBe(0o600);
    expect(fs.statSync(configDir).mode & 0o777).toBe(0o700);
    const saved = JSON.parse(fs.readFileSync(credentialsFile, 'utf8'));
    expect(saved).toMatchObject({ default: server.url, servers: { [server.url]: { username: 'painter', token: expect.any(String) } } });
  }, 60_000);

  it('says who is logged in', async () => {
    const result = await artdag('whoami', '--json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ server: server.url, username: 'painter', handle: '@painter@l2.test' });
  });

  it('uploads a file: the hash computed locally matches the bytes the server stored', async () => {
    fs.writeFileSync(file, bytes);
    const result = await artdag(
      'assets',
      'register',
      file,
      '--name',
      'cli-artwork',
      '--type',
      'image',
      '--tags',
      'cli,Test',
      '--description',
      'made in a terminal',
      '--json',
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const asset = JSON.parse(result.stdout);
    expect(asset).toMatchObject({
      name: 'cli-artwork',
      content_hash: contentHashOf(bytes),
      size_bytes: bytes.length,
      media_type: 'image/png',
      tags: ['cli', 'test'],
      description: 'made in a terminal',
      owner_username: 'painter',
    });
    activityId = asset.activity_id;
    const content = await fetch(`${server.url}/assets/cli-artwork/content`);
    expect(Buffer.from(await content.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('registers a hash without uploading the bytes', async () => {
    const notes = path.join(work, 'notes.txt');
    fs.writeFileSync(notes, 'kept on my machine');
    const result = await artdag('assets', 'register', notes, '--name', 'cli-notes', '--type', 'document', '--no-upload', '--json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      name: 'cli-notes',
      content_hash: contentHashOf('kept on my machine'),
      size_bytes: null,
    });
  });

  it('lists the assets, filtered, as JSON and as a table', async () => {
    const listed = await artdag('assets', 'list', '--owner', 'painter', '--json');
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).items.map((a: { name: string }) => a.name)).toEqual(['cli-notes', 'cli-artwork']);
    const images = await artdag('assets', 'list', '--type', 'image', '--tag', 'cli');
    expect(images.stdout).toMatch(/^NAME\s+TYPE.*\ncli-artwork\s+image\s+painter\s+2\.0 MiB/);
    const shown = await artdag('assets', 'show', 'cli-artwork');
    expect(shown.stdout).toContain(`sha3-256     ${contentHashOf(bytes)}`);
  });

  it('exits 5 for an unknown asset, 3 when the server cannot be reached, 2 for an unknown command', async () => {
    const missing = await artdag('assets', 'show', 'no-such-asset');
    expect(missing.code).toBe(5);
    expect(missing.stderr).toMatch(/^error: .*no-such-asset/);
    const down = await artdag('assets', 'list', '--server', `http://127.0.0.1:${await closedPort()}`);
    expect(down.code).toBe(3);
    expect(down.stderr).toContain('ECONNREFUSED');
    const unknown = await artdag('paint');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('paint');
  });

  it("refuses a second asset with a taken name, with the server's message (exit 6)", async () => {
    const other = path.join(work, 'other.png');
    fs.writeFileSync(other, 'other bytes');
    const result = await artdag('assets', 'register', other, '--name', 'cli-artwork', '--type', 'image');
    expect(result.code).toBe(6);
    expect(result.stderr).toMatch(/^error: .*cli-artwork/);
  });

  it('verifies the activity locally: pending before Bitcoin (7), then confirmed against Esplora (0)', async () => {
    const uuid = activityId.split('/').pop()!;
    const notAnchored = await artdag('anchors', 'verify', uuid);
    expect(notAnchored.code).toBe(7);
    expect(notAnchored.stderr).toContain('not anchored yet');

    const api = client(server.url);
    const anchor = await api.post('/anchors/create', { token: savedToken() });
    expect(anchor.status).toBe(201);
    const pending = await artdag('anchors', 'verify', uuid, '--esplora', chain.esploraUrl, '--json');
    expect(pending.code).toBe(7);
    const pendingReport = JSON.parse(pending.stdout);
    expect(pendingReport).toMatchObject({ outcome: 'pending', server: { status: 'pending', bitcoin_block: null } });
    expect(pendingReport.attestations).toHaveLength(calendars.length);
    expect(pendingReport.attestations).toEqual(expect.arrayContaining(calendars.map((c) => ({ kind: 'pending', calendar: c.url }))));

    const height = calendars[0]!.mine();
    calendars[1]!.mine();
    const upgraded = await api.post(`/anchors/${anchor.body.merkle_root}/upgrade`, { token: savedToken() });
    expect(upgraded.body).toMatchObject({ status: 'confirmed' });
    const confirmed = await artdag('anchors', 'verify', activityId, '--esplora', chain.esploraUrl, '--json');
    expect(confirmed.stderr).toBe('');
    expect(confirmed.code).toBe(0);
    const report = JSON.parse(confirmed.stdout);
    expect(report).toMatchObject({ outcome: 'confirmed', problems: [], server: { activity_id: activityId, status: 'confirmed' } });
    expect(report.attestations).toContainEqual(expect.objectContaining({ kind: 'bitcoin', height, check: 'match' }));
    const human = await artdag('anchors', 'verify', uuid, '--esplora', chain.esploraUrl);
    expect(human.stdout).toContain('result    valid: confirmed on Bitcoin');
  });

  it('exits 1 when Esplora shows a different merkle root for the block', async () => {
    chain.tamperEsplora = true;
    try {
      const result = await artdag('anchors', 'verify', activityId, '--esplora', chain.esploraUrl);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^error: the proof is invalid: block \d+ .* has a different merkle root/);
    } finally {
      chain.tamperEsplora = false;
    }
  });

  it('logs out: the token is revoked on the server and forgotten here', async () => {
    const token = savedToken();
    const result = await artdag('logout', '--json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ server: server.url, revoked: true, forgotten: true });
    expect(JSON.parse(fs.readFileSync(credentialsFile, 'utf8'))).toEqual({ servers: {} });
    expect((await client(server.url).get('/auth/me', { token })).status).toBe(401);
    expect((await artdag('whoami')).code).toBe(4);
  });

  it('exits 4 when the server refuses an upload because the saved token was revoked', async () => {
    const api = client(server.url);
    const token = (await api.post('/auth/login', { json: { username: 'painter', password: PASSWORD } })).body.access_token;
    await api.post('/auth/logout', { token });
    const saved = { token, username: 'painter', saved_at: new Date().toISOString() };
    fs.writeFileSync(credentialsFile, JSON.stringify({ servers: { [server.url]: saved }, default: server.url }), { mode: 0o600 });
    const result = await artdag('assets', 'register', file, '--name', 'cli-again', '--type', 'image');
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/^error: .+\n$/);
  });
});
