// Native ($1) SQL on a pooled connection: named (server-side prepared) statements for the hottest queries,
// which Postgres parses and plans once per connection, and statements built from knex's native SQL.
import type pg from 'pg';
import type { Db } from './knex.js';

export async function preparedQuery<Row extends pg.QueryResultRow>(
  db: Db,
  name: string | undefined,
  text: string,
  values: unknown[],
): Promise<Row[]> {
  const connection = (await db.client.acquireConnection()) as pg.Client;
  try {
    const result = await connection.query<Row>(name ? { name, text, values } : { text, values });
    return result.rows;
  } finally {
    await db.client.releaseConnection(connection);
  }
}
