import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANCHOR_SCHEDULE_ID, PURGE_SCHEDULE_ID, SWEEP_SCHEDULE_ID } from '../../src/temporal/schedules.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('purgeExpiredRevocationsWorkflow', () => {
  it('runs on the worker against real Temporal and purges only expired revocations', async () => {
    const db = server.database.db;
    const hour = 3600_000;
    await db('revoked_tokens').insert([
      { jti: 'old-1', expires_at: new Date(Date.now() - hour) },
      { jti: 'old-2', expires_at: new Date(Date.now() - 24 * hour) },
      { jti: 'live-1', expires_at: new Date(Date.now() + hour) },
    ]);
    const result = await server.runtime.temporal.workflow.execute('purgeExpiredRevocationsWorkflow', {
      taskQueue: server.config.temporal.taskQueue,
      workflowId: `purge-test-${randomUUID()}`,
    });
    expect(result).toEqual({ purged: 2 });
    expect(await db('revoked_tokens').pluck('jti')).toEqual(['live-1']);
  });

  it.each([
    [PURGE_SCHEDULE_ID, 'purgeExpiredRevocationsWorkflow', 24 * 3600_000],
    [SWEEP_SCHEDULE_ID, 'sweepDeliveriesWorkflow', 60_000],
    [ANCHOR_SCHEDULE_ID, 'anchorBatchWorkflow', 3600_000],
  ])('schedule %s runs %s every %d ms', async (id, workflowType, every) => {
    const description = await server.runtime.temporal.schedule.getHandle(id).describe();
    expect(description.action).toMatchObject({ type: 'startWorkflow', workflowType });
    expect(description.spec.intervals?.[0]?.every).toBe(every);
  });
});
