// `npm run migrate` / `npm run migrate:down`: applies or reverts every migration, on DATABASE_URL or the embedded Postgres.
import { loadConfig } from '../config.js';
import { migrateDownAll, migrateLatest } from '../db/migrate.js';
import { withDatabase } from './with-database.js';

const direction = process.argv[2];
if (direction !== 'latest' && direction !== 'down') {
  process.stderr.write('usage: migrate.ts latest|down\n');
  process.exit(2);
}
try {
  await withDatabase(loadConfig(), async (db) => {
    const names = direction === 'latest' ? await migrateLatest(db) : await migrateDownAll(db);
    const verb = direction === 'latest' ? 'applied' : 'reverted';
    process.stdout.write(names.length ? `${verb}: ${names.join(', ')}\n` : `nothing to do: no migration ${verb}\n`);
  });
} catch (err) {
  process.stderr.write(`artdag-l2 migrate: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
