import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { onDemandAnchorWorkflowId } from '../../src/api/routes/anchors/anchors.routes.js';
import { contentHashOf } from '../../src/domain/content-hash.js';
import { attestedMessages, parseDetached } from '../../src/domain/ots/index.js';
import { FakeBitcoin } from '../doubles/fake-bitcoin.js';
import { FakeCalendar } from '../doubles/ots-calendar.js';
import { client, registerAndLogin } from '../helpers/http.js';
import { otsOracle } from '../helpers/ots-oracle.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let chain: FakeBitcoin;
let calendars: FakeCalendar[];
let api: ReturnType<typeof client>;
let token: string;
let counter = 0;

beforeAll(async () => {
  chain = await FakeBitcoin.start();
  calendars = [await FakeCalendar.start(chain), await FakeCalendar.start(chain), await FakeCalendar.start(chain)];
  server = await startTestServer({
    env: { OTS_CALENDARS: calendars.map((c) => c.url).join(','), OTS_MIN_CALENDARS: '2', BITCOIN_ESPLORA_URL: chain.esploraUrl },
  });
  api = client(server.url);
  token = await registerAndLogin(server.url, 'alice');
});
afterAll(async () => {
  await server.stop();
  for (const calendar of calendars) await calendar.stop();
  await chain.stop();
});

async function registerSome(n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await api.post('/assets', {
      token,
      json: { name: `anchored-${++counter}`, content_hash: contentHashOf(`anchored ${counter}`), asset_type: 'image' },
    });
    ids.push(res.body.activity_id);
  }
  return ids;
}

const uuidOf = (activityId: string) => activityId.split('/').pop()!;

describe('anchoring end to end', () => {
  let activityIds: string[];
  let root: string;

  it('batches unanchored activities and stamps the root on the calendars', async () => {
    activityIds = await registerSome(3);
    const res = await api.post('/anchors/create', { token });
    expect(res.status).toBe(201);
    root = res.body.merkle_root;
    const total = Number((await server.database.db('activities').count('* as n'))[0]!.n);
    expect(res.body).toMatchObject({ status: 'pending', leaf_count: total, previous_root: null });
    expect(Object.values(res.body.calendars).map((c: any) => c.status)).toEqual(['ok', 'ok', 'ok']);
    for (const calendar of calendars) expect(calendar.submissions).toEqual([root]);
    expect((await api.post('/anchors/create', { token })).body.anchor).toBeNull();
  });

  it('serves a pending proof for each activity', async () => {
    const verify = await api.get(`/anchors/verify/${uuidOf(activityIds[0]!)}`);
    expect(verify.status).toBe(200);
    expect(verify.body).toMatchObject({ activity_id: activityIds[0], merkle_root: root, status: 'pending', bitcoin_block: null });
    expect(verify.body.proof.length).toBeGreaterThan(0);
    const ots = await api.get(`/activities/${uuidOf(activityIds[0]!)}/ots`);
    expect(ots.headers.get('content-type')).toBe('application/vnd.opentimestamps.v1');
    const file = parseDetached(Buffer.from(await (await fetch(`${server.url}/activities/${uuidOf(activityIds[0]!)}/ots`)).arrayBuffer()));
    const kinds = attestedMessages(file.timestamp).map((a) => a.attestation.kind);
    expect(kinds).toEqual(['pending', 'pending', 'pending']);
  });

  it('stays pending while Bitcoin has not confirmed, and confirms after mining', async () => {
    const early = await api.post(`/anchors/${root}/upgrade`, { token });
    expect(early.status).toBe(200);
    expect(early.body).toMatchObject({ status: 'pending', still_pending: expect.arrayContaining(calendars.map((c) => c.url)) });
    const height = calendars[0]!.mine();
    calendars[1]!.mine();
    const res = await api.post(`/anchors/${root}/upgrade`, { token });
    expect(res.body).toMatchObject({ status: 'confirmed', bitcoin_block: height });
    expect(res.body.anchor).toMatchObject({ status: 'confirmed', bitcoin_block: height });
    const verify = await api.get(`/anchors/verify/${uuidOf(activityIds[1]!)}`);
    expect(verify.body).toMatchObject({ status: 'confirmed', bitcoin_block: height });
    expect(verify.body.verified_at).toEqual(expect.any(String));
  });

  it('gives each activity an .ots that the reference client verifies against the chain', async () => {
    const { ots } = otsOracle();
    const dir = fs.mkdtempSync(path.join(inject('testRoot'), 'ots-'));
    const uuid = uuidOf(activityIds[2]!);
    const json = path.join(dir, 'activity.json');
    fs.writeFileSync(json, Buffer.from(await (await fetch(`${server.url}/activities/${uuid}`)).arrayBuffer()));
    fs.writeFileSync(`${json}.ots`, Buffer.from(await (await fetch(`${server.url}/activities/${uuid}/ots`)).arrayBuffer()));
    const result = await new Promise<{ code: number; output: string }>((resolve) =>
      execFile(ots, ['--bitcoin-node', chain.rpcUrl, 'verify', '-f', json, `${json}.ots`], (err, stdout, stderr) =>
        resolve({ code: err ? 1 : 0, output: stdout + stderr }),
      ),
    );
    expect(result.output).toMatch(/Success! Bitcoin block \d+ attests existence as of/);
    expect(result.code).toBe(0);
    const tampered = path.join(dir, 'tampered.json');
    fs.writeFileSync(tampered, fs.readFileSync(json, 'utf8').replace('anchored-', 'forged-'));
    const forged = await new Promise<number>((resolve) =>
      execFile(ots, ['--bitcoin-node', chain.rpcUrl, 'verify', '-f', tampered, `${json}.ots`], (err) => resolve(err ? 1 : 0)),
    );
    expect(forged).toBe(1);
  });

  it('chains the next anchor to the previous root', async () => {
    await registerSome(2);
    const res = await api.post('/anchors/create', { token });
    expect(res.status).toBe(201);
    expect(res.body.previous_root).toBe(root);
    const tree = await api.get(`/anchors/${res.body.merkle_root}/tree`);
    expect(tree.body.leaves[0]).toEqual({ index: 0, previous_root: root });
    expect(tree.body.leaves).toHaveLength(3);
  });
});

describe('calendars that fail', () => {
  it('waits (created) while too few calendars answer, stamps when they return, and never stamps twice', async () => {
    calendars[0]!.fault = { kind: 'down' };
    calendars[1]!.fault = { kind: 'html' };
    await registerSome(1);
    const before = calendars[2]!.submissions.length;
    const res = await api.post('/anchors/create?wait=1', { token });
    expect(res.status).toBe(202);
    const anchor = await server.database.db('anchors').orderBy('id', 'desc').first();
    expect(anchor.status).toBe('created');
    expect(anchor.last_error).toContain('only 1 of the required 2 calendars');
    expect(anchor.calendars[calendars[1]!.url].error).toContain('HTML');
    calendars[0]!.fault = null;
    calendars[1]!.fault = null;
    const done = await server.runtime.temporal.workflow.getHandle(onDemandAnchorWorkflowId(server.config.temporal.taskQueue)).result();
    expect(done).toMatchObject({ merkleRoot: anchor.merkle_root });
    expect((await server.database.db('anchors').where({ id: anchor.id }).first()).status).toBe('pending');
    expect(calendars[2]!.submissions.slice(before)).toEqual([anchor.merkle_root]);
  });

  it('records garbage answers as failures', async () => {
    calendars[0]!.fault = { kind: 'garbage' };
    await registerSome(1);
    const res = await api.post('/anchors/create', { token });
    calendars[0]!.fault = null;
    expect(res.status).toBe(201);
    expect(res.body.calendars[calendars[0]!.url]).toMatchObject({ status: 'failed', error: expect.stringContaining('garbage') });
  });

  it('never confirms a proof whose attestation does not match the block header', async () => {
    await registerSome(1);
    const created = await api.post('/anchors/create', { token });
    for (const calendar of calendars) calendar.mine();
    chain.tamperEsplora = true;
    try {
      const res = await api.post(`/anchors/${created.body.merkle_root}/upgrade`, { token });
      expect(res.body.status).toBe('invalid');
      expect(res.body.error).toContain('does not match');
      expect((await api.get(`/anchors/${created.body.merkle_root}`)).body.bitcoin_block).toBeNull();
    } finally {
      chain.tamperEsplora = false;
    }
  });

  it('reports each calendar and its latency on test-ots', async () => {
    calendars[1]!.fault = { kind: 'down' };
    const res = await api.post('/anchors/test-ots', { token });
    calendars[1]!.fault = null;
    expect(res.body.calendars.map((c: { ok: boolean }) => c.ok)).toEqual([true, false, true]);
    expect(res.body.calendars[1].error).toContain('503');
    expect(res.body.calendars.every((c: { latency_ms: number }) => c.latency_ms >= 0)).toBe(true);
  });
});

describe('anchor endpoints refuse bad input', () => {
  it('validates roots and references', async () => {
    expect((await api.get('/anchors/not-a-root')).status).toBe(400);
    expect((await api.get(`/anchors/${'0'.repeat(64)}`)).status).toBe(404);
    expect((await api.get(`/anchors/${'0'.repeat(64)}/ots`)).status).toBe(404);
    expect((await api.get('/anchors/verify/00000000-0000-0000-0000-000000000000')).status).toBe(404);
    expect((await api.post(`/anchors/${'0'.repeat(64)}/upgrade`, { token })).status).toBe(404);
    expect((await api.get('/anchors?limit=0')).status).toBe(400);
  });

  it('says an activity is not anchored yet', async () => {
    const [id] = await registerSome(1);
    const res = await api.get(`/anchors/verify/${uuidOf(id!)}`);
    expect(res.status).toBe(404);
    expect(res.body.error.message).toContain('not anchored yet');
  });

  it('needs a session to create, upgrade or test', async () => {
    expect((await api.post('/anchors/create')).status).toBe(401);
    expect((await api.post('/anchors/test-ots')).status).toBe(401);
  });

  it('lists anchors and renders the operator page', async () => {
    const list = await api.get('/anchors?limit=2');
    expect(list.body.items).toHaveLength(2);
    expect(list.body.next_cursor).toEqual(expect.any(String));
    const page = await api.get('/anchors/ui', { headers: { accept: 'text/html' } });
    expect(page.text).toContain('data-stat="confirmed">1<');
  });
});
