// The start-up schema guard: api and worker refuse a database migrated by a newer release, with one clear line,
// and api replicas starting together on a fresh database migrate it once, in turn.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDb } from '../../src/db/knex.js';
import { knownMigrations } from '../../src/db/migrate.js';
import { prepareSchema, SchemaTooNewError, unknownMigrations } from '../../src/db/schema-guard.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { spawnL2 } from '../helpers/process.js';
import { startTestServer } from '../helpers/server.js';

const FUTURE = ['29990101000000_from_the_future', '29990102000000_also_new'];

let newer: TestDatabase;

beforeAll(async () => {
  newer = await createTestDatabase();
  const [{ max }] = (await newer.db('knex_migrations').max('batch as max')) as [{ max: number }];
  await newer.db('knex_migrations').insert(FUTURE.map((name) => ({ name, batch: max + 1, migration_time: new Date() })));
});
afterAll(() => newer.drop());

describe('a database migrated by a newer release', () => {
  it('lists the migrations this build does not know', async () => {
    expect(await unknownMigrations(newer.db)).toEqual(FUTURE);
  });

  it.each(['api', 'worker', 'all'] as const)('is refused by the %s role before anything starts', async (role) => {
    const start = startTestServer({ database: newer, role });
    await expect(start).rejects.toBeInstanceOf(SchemaTooNewError);
    await expect(start).rejects.toThrow(`it has migrations ${FUTURE.join(', ')} that this build does not know`);
    // Nothing was migrated or rewritten: the history is the known migrations plus the two from the future.
    const rows = (await newer.db('knex_migrations').select('name').orderBy('id')) as { name: string }[];
    expect(rows.map((r) => r.name)).toEqual([...(await knownMigrations()), ...FUTURE]);
  });

  it('stops a worker process with one line naming the migrations, exit code 1', async () => {
    const proc = spawnL2('worker', {
      DATABASE_URL: newer.url,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: inject('temporalNamespace'),
      TEMPORAL_TASK_QUEUE: `guard-${randomUUID()}`,
      JWT_SECRET: 'x'.repeat(40),
      ARTDAG_DATA: path.join(inject('testRoot'), `guard-${randomUUID()}`),
    });
    expect((await proc.exited).code).toBe(1);
    const stderr = proc.stderr();
    expect(stderr.split('\n')).toHaveLength(2); // one line and its newline
    expect(stderr).toMatch(
      /^artdag-l2: start-up failed: the database schema is newer than this build: it has migrations 29990101000000_from_the_future, 29990102000000_also_new that this build does not know; run the release that applied them/,
    );
    expect(proc.stdout()).not.toContain('is running');
  });
});

describe('a database this build knows', () => {
  it('passes the guard when fully migrated', async () => {
    const db = await createTestDatabase();
    try {
      expect(await unknownMigrations(db.db)).toEqual([]);
      expect(await prepareSchema(db.db, { migrate: false })).toEqual([]);
      expect(await prepareSchema(db.db, { migrate: true })).toEqual([]);
    } finally {
      await db.drop();
    }
  });

  it('passes the guard when still empty (the worker may start before the api has migrated)', async () => {
    const db = await createTestDatabase({ migrated: false });
    try {
      expect(await prepareSchema(db.db, { migrate: false })).toEqual([]);
      expect(await db.db.schema.hasTable('knex_migrations')).toBe(false);
    } finally {
      await db.drop();
    }
  });

  it('is migrated once when several api replicas start on it together', async () => {
    const db = await createTestDatabase({ migrated: false });
    const replicas = [createDb(db.url, 10), createDb(db.url, 10), createDb(db.url, 10)];
    try {
      const results = await Promise.all(replicas.map((replica) => prepareSchema(replica, { migrate: true })));
      const known = await knownMigrations();
      // Exactly one replica applied everything; the others waited for the lock and found nothing to do.
      expect(results.map((applied) => applied.length).sort((a, b) => a - b)).toEqual([0, 0, known.length]);
      const rows = (await db.db('knex_migrations').select('name').orderBy('id')) as { name: string }[];
      expect(rows.map((r) => r.name)).toEqual(known);
    } finally {
      await Promise.all(replicas.map((replica) => replica.destroy()));
      await db.drop();
    }
  });
});
