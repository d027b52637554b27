// Named (server-side prepared) statements for the hottest queries: Postgres parses and plans them once per connection.
import type pg from 'pg';
import type { Db } from './knex.js';

export async function preparedQuery<Row extends pg.QueryResultRow>(db: Db, name: string, text: string, values: unknown[]): Promise<Row[]> {
  const connection = (await db.client.acquireConnection()) as pg.Client;
  try {
    const result = await connection.query<Row>({ name, text, values });
    return result.rows;
  } finally {
    await db.client.releaseConnection(connection);
  }
}
