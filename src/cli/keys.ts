// `npm run keys`: key files as the seed's setup_keys.py made them, and importing or rotating a user's key.
//   npm run keys -- --data-dir DIR --user NAME          writes DIR/keys/NAME.pem (0600) and NAME.pub, once
//   npm run keys -- import --data-dir DIR --user NAME   makes that pair NAME's active key and announces it
//   npm run keys -- rotate --user NAME                  makes a new key for NAME and announces it
// Import and rotate use DATABASE_URL (or the embedded Postgres); a running server delivers the Update.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { withDatabase } from './with-database.js';
import { loadConfig } from '../config.js';
import { createRepositories } from '../db/repositories/index.js';
import { ActorService } from '../services/actor-service.js';
import { KeysService, newRsaKeyPair } from '../services/keys-service.js';

const USAGE = 'usage: npm run keys -- [import|rotate] --user NAME [--data-dir DIR]';

function keyFiles(dataDir: string, user: string) {
  const dir = path.join(dataDir, 'keys');
  return { dir, privateKey: path.join(dir, `${user}.pem`), publicKey: path.join(dir, `${user}.pub`) };
}

async function writeFiles(dataDir: string, user: string): Promise<void> {
  const files = keyFiles(dataDir, user);
  if (fs.existsSync(files.privateKey)) {
    process.stdout.write(`${files.privateKey} already exists; leaving it as it is.\n`);
    return;
  }
  const pair = await newRsaKeyPair();
  fs.mkdirSync(files.dir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(files.privateKey, pair.privateKeyPem, { mode: 0o600, flag: 'wx' });
  fs.writeFileSync(files.publicKey, pair.publicKeyPem, { mode: 0o644, flag: 'wx' });
  process.stdout.write(`wrote ${files.privateKey} (0600) and ${files.publicKey}\n`);
}

async function announce(command: 'import' | 'rotate', dataDir: string, user: string): Promise<void> {
  const config = loadConfig();
  const pair =
    command === 'import'
      ? {
          privateKeyPem: fs.readFileSync(keyFiles(dataDir, user).privateKey, 'utf8'),
          publicKeyPem: fs.readFileSync(keyFiles(dataDir, user).publicKey, 'utf8'),
        }
      : undefined;
  await withDatabase(config, async (db) => {
    const repos = createRepositories(db);
    const account = await repos.users.findByUsername(user);
    if (!account) throw new Error(`no user "${user}" in this database`);
    const instance = { publicUrl: config.publicUrl, domain: config.domain };
    // The CLI does not talk to Temporal: the server's delivery sweep sends the planned Update within a minute.
    const actors = new ActorService(db, repos, new KeysService(repos.actorKeys, instance), instance, { start: async () => undefined });
    const result = await actors.rotateKey(account, pair);
    process.stdout.write(
      `${user}'s active key is now ${command === 'import' ? 'the imported one' : 'new'} (${result.keyId}); Update ${result.activityId} planned for ${result.followers} inbox(es)\n`,
    );
  });
}

const { values, positionals } = parseArgs({
  options: { user: { type: 'string' }, 'data-dir': { type: 'string' } },
  allowPositionals: true,
});
const command = positionals[0] ?? 'files';
if (!values.user || !['files', 'import', 'rotate'].includes(command)) {
  process.stderr.write(`${USAGE}\n`);
  process.exit(2);
}
try {
  const dataDir = path.resolve(values['data-dir'] ?? loadConfig().dataDir);
  if (command === 'files') await writeFiles(dataDir, values.user);
  else await announce(command as 'import' | 'rotate', dataDir, values.user);
} catch (err) {
  process.stderr.write(`artdag-l2 keys: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
