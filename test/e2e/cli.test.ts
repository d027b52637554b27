import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildCli } from '../../scripts/build-cli.mjs';
import { contentHashOf } from '../../src/domain/content-hash.js';
import { FakeBitcoin } from '../doubles/fake-bitcoin.js';
import { FakeL1 } from '../doubles/fake-l1.js';
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
let esplora: Awaited<ReturnType<typeof startEsploraHeaders>>;
let l1: FakeL1;

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

const sha256d = (bytes: Buffer) => createHash('sha256').update(createHash('sha256').update(bytes).digest()).digest();

/**
 * Esplora's header API (GET /block-height/{h}, GET /block/{hash}/header) over the fake chain's blocks. With
 * `lie` set it names a forged block instead: another merkle root, in a header that hashes to the forged hash.
 */
async function startEsploraHeaders(blocks: FakeBitcoin['blocks']) {
  const state = { lie: false, url: '' };
  const headerAt = (height: number): Buffer | null => {
    const block = blocks.find((b) => b.height === height);
    if (!block) return null;
    if (!state.lie) return block.header;
    const forged = Buffer.from(block.header);
    createHash('sha256').update(block.merkleRoot).digest().copy(forged, 36);
    return forged;
  };
  const hashOf = (header: Buffer) => Buffer.from(sha256d(header)).reverse().toString('hex');
  const server = http.createServer((req, res) => {
    const url = new URL(req.url!, state.url);
    const byHeight = /^\/block-height\/(\d+)$/.exec(url.pathname);
    const byHash = /^\/block\/([0-9a-f]{64})\/header$/.exec(url.pathname);
    const header = byHeight
      ? headerAt(Number(byHeight[1]))
      : byHash
        ? (blocks.map((b) => headerAt(b.height)!).find((h) => hashOf(h) === byHash[1]) ?? null)
        : null;
    if (!header) return void res.writeHead(404).end('Block not found');
    res.writeHead(200, { 'content-type': 'text/plain' }).end(byHeight ? hashOf(header) : header.toString('hex'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, {
    stop: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  });
}

beforeAll(async () => {
  const build = buildCli({ outfile: bundle });
  chain = await FakeBitcoin.start();
  esplora = await startEsploraHeaders(chain.blocks);
  calendars = [await FakeCalendar.start(chain), await FakeCalendar.start(chain)];
  l1 = await FakeL1.start();
  server = await startTestServer({
    env: {
      OTS_CALENDARS: calendars.map((c) => c.url).join(','),
      OTS_MIN_CALENDARS: '2',
      BITCOIN_ESPLORA_URL: chain.esploraUrl,
      L1_SERVERS: l1.url,
    },
  });
  expect(await build).toBe(bundle);
});
afterAll(async () => {
  await server?.stop();
  for (const calendar of calendars ?? []) await calendar.stop();
  await esplora?.stop();
  await chain?.stop();
  await l1?.stop();
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
    const login = spawnCli(['login', '--json', '--server', server.url]);
    const [, line] = await login.waitFor(/^(.*)\n/);
    const code = JSON.parse(line!);
    expect(code).toEqual({
      user_code: expect.stringMatching(/^[A-Z]{4}-[A-Z]{4}$/),
      verification_uri: `${server.config.publicUrl}/device`,
      verification_uri_complete: `${server.config.publicUrl}/device?code=${code.user_code}`,
      expires_in: 900,
    });
    await approveInBrowser('painter', code.user_code);
    const result = await login.exited;
    expect(result.stderr).toBe(`Open ${code.verification_uri_complete} and confirm the code ${code.user_code}\n`);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout.slice(line!.length + 1))).toMatchObject({ server: server.url, username: 'painter' });
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
    const sameBytes = await artdag('assets', 'register', file, '--name', 'cli-artwork-copy', '--type', 'image', '--json');
    expect(sameBytes.code).toBe(6);
    expect(JSON.parse(sameBytes.stdout)).toMatchObject({
      error: { code: 'content_already_registered', status: 409, details: { name: 'cli-artwork' }, exit_code: 6 },
    });
  });

  it('publishes an L1 cache item (following the job, or not with --no-wait) and exits 5 for one the L1 lacks', async () => {
    const still = randomBytes(4096);
    const hash = l1.addCacheItem(still);
    const published = await artdag(
      'publish-cache',
      hash,
      '--l1',
      l1.url,
      '--name',
      'cli-still',
      '--type',
      'image',
      '--tags',
      'l1',
      '--json',
    );
    expect(published.stderr).toBe('');
    expect(published.code).toBe(0);
    expect(JSON.parse(published.stdout)).toMatchObject({
      name: 'cli-still',
      content_hash: contentHashOf(still),
      tags: ['l1'],
      provenance: { l1_server: l1.url },
    });
    const other = l1.addCacheItem(randomBytes(4096));
    const started = await artdag('publish-cache', other, '--l1', l1.url, '--name', 'cli-later', '--no-wait', '--json');
    expect(started.code).toBe(0);
    const job = JSON.parse(started.stdout);
    expect(job).toMatchObject({ status: 'running', job_id: `publish-cache:${l1.url}:${other}` });
    const finished = await artdag('publish-cache', other, '--l1', l1.url, '--name', 'cli-later', '--json');
    expect(JSON.parse(finished.stdout)).toMatchObject({ name: 'cli-later', content_hash: other });
    const missing = await artdag('publish-cache', 'c'.repeat(64), '--l1', l1.url, '--name', 'cli-missing');
    expect(missing.code).toBe(5);
    expect(missing.stderr).toMatch(/^error: /);
  });

  it('verifies the activity locally: pending before Bitcoin (7), then confirmed against Esplora (0)', async () => {
    const uuid = activityId.split('/').pop()!;
    const notAnchored = await artdag('anchors', 'verify', uuid);
    expect(notAnchored.code).toBe(7);
    expect(notAnchored.stderr).toContain('not anchored yet');

    const api = client(server.url);
    const anchor = await api.post('/anchors/create', { token: savedToken() });
    expect(anchor.status).toBe(201);
    const pending = await artdag('anchors', 'verify', uuid, '--esplora', esplora.url, '--json');
    expect(pending.code).toBe(7);
    const pendingReport = JSON.parse(pending.stdout);
    expect(pendingReport).toMatchObject({ outcome: 'pending', server: { status: 'pending', bitcoin_block: null } });
    expect(pendingReport.attestations).toHaveLength(calendars.length);
    expect(pendingReport.attestations).toEqual(expect.arrayContaining(calendars.map((c) => ({ kind: 'pending', calendar: c.url }))));

    const height = calendars[0]!.mine();
    calendars[1]!.mine();
    const upgraded = await api.post(`/anchors/${anchor.body.merkle_root}/upgrade`, { token: savedToken() });
    expect(upgraded.body).toMatchObject({ status: 'confirmed' });
    const confirmed = await artdag('anchors', 'verify', activityId, '--esplora', esplora.url, '--json');
    expect(confirmed.stderr).toBe('');
    expect(confirmed.code).toBe(0);
    const report = JSON.parse(confirmed.stdout);
    expect(report).toMatchObject({ outcome: 'confirmed', problems: [], server: { activity_id: activityId, status: 'confirmed' } });
    const block = chain.blocks.find((b) => b.height === height)!;
    expect(report.attestations).toContainEqual(
      expect.objectContaining({
        kind: 'bitcoin',
        height,
        check: 'match',
        block_hash: block.hash,
        block_time: new Date(block.time * 1000).toISOString(),
      }),
    );
    const human = await artdag('anchors', 'verify', uuid, '--esplora', esplora.url);
    expect(human.stdout).toContain('result    valid: confirmed on Bitcoin');
  });

  it('exits 1 when Esplora names a block with a different merkle root at that height', async () => {
    esplora.lie = true;
    try {
      const result = await artdag('anchors', 'verify', activityId, '--esplora', esplora.url);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^error: the proof is invalid: block \d+ .* has a different merkle root/);
    } finally {
      esplora.lie = false;
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
