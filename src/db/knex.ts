// Creates the knex instance for Postgres; the pool size and type parsers are decided here once.
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import type { Logger } from 'pino';

// bigint ids fit comfortably in a JS number for this registry's lifetime; keep them numeric.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));

export type Db = Knex;

export function createDb(databaseUrl: string, poolMax = 10, logger?: Logger): Db {
  // knex logs pool errors with console by default; route them to our logger (or nowhere).
  const log = (level: 'warn' | 'error' | 'debug') => (message: unknown) => logger?.[level]({ knex: String(message) }, 'knex');
  return knexFactory({
    client: 'pg',
    connection: databaseUrl,
    pool: { min: 0, max: poolMax },
    acquireConnectionTimeout: 10_000,
    log: { warn: log('warn'), error: log('error'), deprecate: log('warn'), debug: log('debug') },
  });
}
