import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { registerAndLogin } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

function keys(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/keys.ts', ...args],
      { cwd: root, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env } },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

let server: TestServer;
const dataDir = path.join(inject('testRoot'), `keys-${randomUUID()}`);

beforeAll(async () => {
  server = await startTestServer();
  await registerAndLogin(server.url, 'seeded');
});
afterAll(() => server.stop());

describe('npm run keys', () => {
  it('writes NAME.pem (0600) and NAME.pub under DIR/keys, once', async () => {
    const first = await keys(['--data-dir', dataDir, '--user', 'seeded']);
    expect(first.code).toBe(0);
    const pem = path.join(dataDir, 'keys', 'seeded.pem');
    expect(fs.statSync(pem).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(path.join(dataDir, 'keys', 'seeded.pub'), 'utf8')).toContain('BEGIN PUBLIC KEY');
    const before = fs.readFileSync(pem, 'utf8');
    const again = await keys(['--data-dir', dataDir, '--user', 'seeded']);
    expect(again.stdout).toContain('already exists');
    expect(fs.readFileSync(pem, 'utf8')).toBe(before);
  });

  it("imports that pair as the user's active key and plans the Update", async () => {
    const result = await keys(['import', '--data-dir', dataDir, '--user', 'seeded'], {
      DATABASE_URL: server.database.url,
      ARTDAG_DOMAIN: 'l2.test',
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const active = await server.database
      .db('actor_keys')
      .join('users', 'users.id', 'actor_keys.user_id')
      .where('users.username', 'seeded')
      .whereNull('retired_at')
      .first();
    expect(active.public_key_pem).toBe(fs.readFileSync(path.join(dataDir, 'keys', 'seeded.pub'), 'utf8'));
    const update = await server.database
      .db('activities')
      .where({ activity_type: 'Update', object_id: 'https://l2.test/users/seeded' })
      .first();
    expect(update).toBeDefined();
  });

  it('refuses a mismatched pair, an unknown user and bad arguments', async () => {
    const other = path.join(inject('testRoot'), `keys-${randomUUID()}`);
    await keys(['--data-dir', other, '--user', 'seeded']);
    fs.copyFileSync(path.join(dataDir, 'keys', 'seeded.pub'), path.join(other, 'keys', 'seeded.pub'));
    const mismatch = await keys(['import', '--data-dir', other, '--user', 'seeded'], { DATABASE_URL: server.database.url });
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toContain('does not belong to the private key');
    const unknown = await keys(['rotate', '--user', 'ghost'], { DATABASE_URL: server.database.url });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no user "ghost"');
    expect((await keys(['--data-dir', dataDir])).code).toBe(2);
  });
});
