import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTemporalDevServer, type DevServerHandle } from '../../src/bootstrap/embedded-temporal.js';
import { freePort } from '../../src/bootstrap/ports.js';
import { contentHashOf } from '../../src/domain/content-hash.js';
import { FakeBitcoin } from '../doubles/fake-bitcoin.js';
import { FakeCalendar } from '../doubles/ots-calendar.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { client, registerAndLogin } from '../helpers/http.js';
import { spawnL2, type L2Process } from '../helpers/process.js';

const READY = /API: +(http:\/\/\S+)[\s\S]*Press Ctrl-C to stop\./;

let chain: FakeBitcoin;
let calendars: FakeCalendar[];
let database: TestDatabase;
const dir = path.join(inject('testRoot'), `anchor-restart-${randomUUID()}`);
const processes: L2Process[] = [];
let temporal: DevServerHandle | null = null;

beforeAll(async () => {
  fs.mkdirSync(dir, { recursive: true });
  chain = await FakeBitcoin.start();
  calendars = [await FakeCalendar.start(chain), await FakeCalendar.start(chain)];
  database = await createTestDatabase({ migrated: false });
});
afterAll(async () => {
  for (const p of processes) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  await temporal?.stop();
  for (const c of calendars) await c.stop();
  await chain.stop();
  await database.drop();
});

async function startTemporal(port: number): Promise<DevServerHandle> {
  return await startTemporalDevServer({
    namespace: 'artdag',
    dbFile: path.join(dir, 'temporal.db'),
    preferredPort: port,
    ui: false,
    logFile: path.join(dir, 'temporal.log'),
  });
}

function startL2(apiPort: number, temporalAddress: string): L2Process {
  const l2 = spawnL2(null, {
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: temporalAddress,
    ARTDAG_DATA: path.join(dir, 'data'),
    HOST: '127.0.0.1',
    PORT: String(apiPort),
    JWT_SECRET: 'y'.repeat(40),
    ALLOW_PRIVATE_NETWORK: 'true',
    OTS_CALENDARS: calendars.map((c) => c.url).join(','),
    BITCOIN_ESPLORA_URL: chain.esploraUrl,
  });
  processes.push(l2);
  return l2;
}

describe('an anchor waiting for Bitcoin', () => {
  it('survives a killed worker and a restarted Temporal server, then confirms', { timeout: 180_000 }, async () => {
    const temporalPort = await freePort();
    temporal = await startTemporal(temporalPort);
    const apiPort = await freePort();
    let l2 = startL2(apiPort, temporal.address);
    const [, url] = await l2.waitFor(READY);
    const api = client(url!);
    const token = await registerAndLogin(url!, 'patient');
    await api.post('/assets', { token, json: { name: 'waiting', content_hash: contentHashOf('waiting'), asset_type: 'image' } });
    const created = await api.post('/anchors/create', { token });
    expect(created.status).toBe(201);
    const root: string = created.body.merkle_root;

    const connection = await Connection.connect({ address: temporal.address });
    const description = await connection.workflowService.describeWorkflowExecution({
      namespace: 'artdag',
      execution: { workflowId: `confirm-anchor:${root}` },
    });
    expect(description.workflowExecutionInfo?.status).toBe(1); // RUNNING: waiting on its timer
    await connection.close();

    l2.child.kill('SIGKILL');
    await l2.exited;
    await temporal.stop();
    temporal = await startTemporal(temporalPort);
    expect(temporal.address).toBe(`127.0.0.1:${temporalPort}`);

    const height = calendars[0]!.mine();
    l2 = startL2(apiPort, temporal.address);
    await l2.waitFor(READY);
    const upgraded = await api.post(`/anchors/${root}/upgrade`, { token });
    expect(upgraded.status).toBe(200);
    expect(upgraded.body).toMatchObject({ status: 'confirmed', bitcoin_block: height });
    l2.child.kill('SIGTERM');
    expect((await l2.exited).code).toBe(0);
  });
});
