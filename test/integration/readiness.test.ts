import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTemporalDevServer } from '../../src/bootstrap/embedded-temporal.js';
import { createTestDatabase, setDatabaseReachable } from '../helpers/database.js';
import { client } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

describe('/health and /ready', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  it('report ok when Postgres and Temporal answer', async () => {
    const api = client(server.url);
    const health = await api.get('/health');
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok' });
    const ready = await api.get('/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ok', database: 'ok', temporal: 'ok' });
  });

  it('answer 503 naming the database while it refuses connections, and recover', async () => {
    const api = client(server.url);
    await setDatabaseReachable(server.database.name, false);
    try {
      const ready = await api.get('/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.status).toBe('unavailable');
      expect(ready.body.database).toMatch(/^unavailable: /);
      expect(ready.body.temporal).toBe('ok');
      expect((await api.get('/health')).status).toBe(200);
    } finally {
      await setDatabaseReachable(server.database.name, true);
    }
    expect((await api.get('/ready')).status).toBe(200);
  });
});

describe('/ready when Temporal is down', () => {
  it('answers 503 naming temporal', async () => {
    const logFile = path.join(inject('testRoot'), 'readiness-temporal.log');
    const temporal = await startTemporalDevServer({ namespace: 'artdag', ui: false, logFile });
    const database = await createTestDatabase();
    const server = await startTestServer({
      env: { TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: 'artdag' },
      role: 'api',
      database,
    });
    try {
      const api = client(server.url);
      expect((await api.get('/ready')).body.temporal).toBe('ok');
      await temporal.stop();
      const ready = await api.get('/ready');
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({ status: 'unavailable', database: 'ok' });
      expect(ready.body.temporal).toMatch(/^unavailable: /);
    } finally {
      await server.stop();
      await database.drop();
      fs.rmSync(logFile, { force: true });
    }
  });
});
