// Creates the knex instance for Postgres; the pool size and type parsers are decided here once.
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';

// bigint ids fit comfortably in a JS number for this registry's lifetime; keep them numeric.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));

export type Db = Knex;

export function createDb(databaseUrl: string, poolMax = 10): Db {
  return knexFactory({
    client: 'pg',
    connection: databaseUrl,
    pool: { min: 0, max: poolMax },
    acquireConnectionTimeout: 10_000,
  });
}
