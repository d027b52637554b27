// The database half of a backup: every table of the schema as COPY text, all read in one snapshot; and the load
// back into an empty database at the same schema, in one transaction (parents before children, sequences as they were).
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { BackupError, readVerified, writeMetered, type Manifest, type TableEntry } from './backup-format.js';

// The restore's own migrations write these.
const isMigrationTable = (name: string) => name.startsWith('knex_migrations');
const ident = (name: string) => pg.escapeIdentifier(name);

/** The schema's tables and their stored (not generated) columns, in column order. */
async function tableColumns(client: pg.ClientBase): Promise<Map<string, string[]>> {
  const result = await client.query<{ table: string; columns: string[] }>(
    `SELECT c.relname AS table, array_agg(a.attname::text ORDER BY a.attnum) AS columns
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
      WHERE n.nspname = current_schema() AND c.relkind = 'r'
      GROUP BY c.relname ORDER BY c.relname`,
  );
  return new Map(result.rows.filter((r) => !isMigrationTable(r.table)).map((r) => [r.table, r.columns]));
}

async function sequenceValues(client: pg.ClientBase): Promise<Record<string, number | null>> {
  const result = await client.query<{ name: string; last_value: string | number | null }>(
    'SELECT sequencename AS name, last_value FROM pg_sequences WHERE schemaname = current_schema() ORDER BY sequencename',
  );
  return Object.fromEntries(
    result.rows.filter((r) => !isMigrationTable(r.name)).map((r) => [r.name, r.last_value === null ? null : Number(r.last_value)]),
  );
}

export interface DatabaseDump {
  migrations: string[];
  tables: TableEntry[];
  sequences: Manifest['sequences'];
}

/** Writes every table under root/database/ from one REPEATABLE READ snapshot: a consistent copy while the server runs. */
export async function dumpDatabase(client: pg.ClientBase, root: string): Promise<DatabaseDump> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const migrations = (await client.query<{ name: string }>('SELECT name FROM knex_migrations ORDER BY id')).rows.map((r) => r.name);
    const tables: TableEntry[] = [];
    for (const [table, columns] of await tableColumns(client)) {
      const stream = client.query(copyTo(`COPY ${ident(table)} (${columns.map(ident).join(', ')}) TO STDOUT`));
      const file = await writeMetered(root, `database/${table}.copy`, stream);
      tables.push({ table, columns, rows: stream.rowCount, ...file });
    }
    // Sequences are outside the snapshot; read last, they are at or past every id the snapshot holds.
    const sequences = await sequenceValues(client);
    await client.query('COMMIT');
    return { migrations, tables, sequences };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

/** The tables that hold rows: a restore goes only into a database without any. */
export async function tablesWithRows(client: pg.ClientBase): Promise<string[]> {
  const found: string[] = [];
  for (const table of (await tableColumns(client)).keys()) {
    const result = await client.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${ident(table)}) AS any`);
    if (result.rows[0]!.any) found.push(table);
  }
  return found;
}

/** Tables ordered so that each comes after the tables its foreign keys point to. */
async function loadOrder(client: pg.ClientBase, tables: string[]): Promise<string[]> {
  const edges = await client.query<{ child: string; parent: string }>(
    `SELECT child.relname AS child, parent.relname AS parent
       FROM pg_constraint c
       JOIN pg_class child ON child.oid = c.conrelid
       JOIN pg_class parent ON parent.oid = c.confrelid
       JOIN pg_namespace n ON n.oid = child.relnamespace
      WHERE c.contype = 'f' AND n.nspname = current_schema()`,
  );
  const parents = new Map(tables.map((t) => [t, new Set<string>()]));
  // A table referring to itself loads in one COPY: its foreign keys are checked at the end of the statement.
  for (const { child, parent } of edges.rows) if (child !== parent && parents.has(parent)) parents.get(child)?.add(parent);
  const order: string[] = [];
  while (parents.size) {
    const ready = [...parents].filter(([, waiting]) => [...waiting].every((p) => !parents.has(p))).map(([t]) => t);
    if (!ready.length) throw new BackupError(`the foreign keys between ${[...parents.keys()].join(', ')} form a cycle`);
    for (const table of ready.sort()) {
      order.push(table);
      parents.delete(table);
    }
  }
  return order;
}

/**
 * Loads the backup's rows into the database (already migrated to the backup's schema) in one transaction, and sets
 * its sequences. `check` runs before the commit: throwing there leaves the database as it was.
 */
export async function loadDatabase(
  client: pg.ClientBase,
  root: string,
  manifest: Manifest,
  check: (client: pg.ClientBase) => Promise<void>,
): Promise<void> {
  await client.query('BEGIN');
  try {
    const present = await tableColumns(client);
    for (const entry of manifest.tables) {
      const columns = present.get(entry.table);
      if (!columns || [...entry.columns].sort().join() !== [...columns].sort().join())
        throw new BackupError(`table ${entry.table} differs between the backup and this database at the same migrations`);
    }
    const byTable = new Map(manifest.tables.map((t) => [t.table, t]));
    for (const table of await loadOrder(client, [...byTable.keys()])) {
      const entry = byTable.get(table)!;
      const sink = client.query(copyFrom(`COPY ${ident(table)} (${entry.columns.map(ident).join(', ')}) FROM STDIN`));
      await readVerified(root, entry, sink);
    }
    for (const [name, value] of Object.entries(manifest.sequences)) {
      if (value === null) await client.query(`ALTER SEQUENCE ${ident(name)} RESTART`);
      else await client.query('SELECT setval($1::regclass, $2, true)', [ident(name), value]);
    }
    await check(client);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}
