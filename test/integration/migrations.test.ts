import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDownAll, migrateLatest, migrationStatus } from '../../src/db/migrate.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

const SEED_TABLES = [
  'activities',
  'anchor_activities',
  'anchors',
  'assets',
  'followers',
  'revoked_tokens',
  'storage_providers',
  'user_renderers',
  'users',
];

let database: TestDatabase;

async function tables(): Promise<string[]> {
  const rows = await database.db('pg_tables').where({ schemaname: 'public' }).whereNot('tablename', 'like', 'knex_%').pluck('tablename');
  return (rows as string[]).sort();
}

beforeAll(async () => {
  database = await createTestDatabase({ migrated: false });
});
afterAll(() => database.drop());

describe('migrations', () => {
  it('go up from empty, down to empty, and up again', async () => {
    expect(await tables()).toEqual([]);

    const applied = await migrateLatest(database.db);
    expect(applied.length).toBeGreaterThan(0);
    expect(await tables()).toEqual(expect.arrayContaining(SEED_TABLES));
    expect((await migrationStatus(database.db)).pending).toEqual([]);

    const reverted = await migrateDownAll(database.db);
    expect(reverted.sort()).toEqual(applied.sort());
    expect(await tables()).toEqual([]);

    expect(await migrateLatest(database.db)).toEqual(applied);
    expect(await tables()).toEqual(expect.arrayContaining(SEED_TABLES));
  });

  it('enforce the uniqueness the registry depends on', async () => {
    const db = database.db;
    const [user] = await db('users').insert({ username: 'uniq', password_hash: 'x' }).returning('id');
    await expect(db('users').insert({ username: 'uniq', password_hash: 'y' })).rejects.toThrow(/users_username_unique/);
    await expect(db('users').insert({ username: 'Bad Name', password_hash: 'y' })).rejects.toThrow(/users_username_format/);

    const hash = 'a'.repeat(64);
    await db('assets').insert({ name: 'one', content_hash: hash, asset_type: 'image', owner_id: user.id });
    await expect(db('assets').insert({ name: 'two', content_hash: hash, asset_type: 'image', owner_id: user.id })).rejects.toThrow(
      /assets_content_hash_unique/,
    );
    await expect(
      db('assets').insert({ name: 'one', content_hash: 'b'.repeat(64), asset_type: 'image', owner_id: user.id }),
    ).rejects.toThrow(/assets_name_unique/);
    await expect(
      db('assets').insert({ name: 'three', content_hash: 'NOT-HEX'.padEnd(64, 'x'), asset_type: 'image', owner_id: user.id }),
    ).rejects.toThrow(/assets_content_hash_format/);
  });
});
