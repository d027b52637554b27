// Starts embedded Postgres and the Temporal dev server once per test run, migrates a template database
// that every test file clones, and bundles the workflows once.
import { buildAssets } from '../../scripts/build-assets.mjs';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, createDatabaseIfMissing } from '../../src/bootstrap/embedded-postgres.js';
import { startTemporalDevServer } from '../../src/bootstrap/embedded-temporal.js';
import { createDb } from '../../src/db/knex.js';
import { migrateLatest } from '../../src/db/migrate.js';
import { bundleWorkflows } from '../../src/temporal/bundle.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgTemplate: string;
    temporalAddress: string;
    temporalNamespace: string;
    workflowBundlePath: string;
    testRoot: string;
  }
}

export const TEMPLATE_DB = 'artdag_template';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const TOOL_INSTALLS = [
  'test/oracle/install-ots.sh',
  'storage/install-seaweedfs.sh',
  'storage/install-kubo.sh',
  'deploy/install-compose.sh',
];

function runScript(script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path.join(repoRoot, script)], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${script} failed with exit code ${code}`))));
  });
}
export const TEST_NAMESPACE = 'artdag-test';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'artdag-test-'));
  fs.chmodSync(root, 0o755);
  // Tools installed here, off the tests' event loops: a long synchronous install inside a test stalls its server.
  const tools = Promise.all(TOOL_INSTALLS.map(runScript));
  const [pg, temporal, bundle] = await Promise.all([
    startEmbeddedPostgres({
      dir: path.join(root, 'pg'),
      password: 'test',
      database: TEMPLATE_DB,
      persistent: false,
      logFile: path.join(root, 'pg.log'),
    }),
    startTemporalDevServer({ namespace: TEST_NAMESPACE, ui: false, logFile: path.join(root, 'temporal.log') }),
    bundleWorkflows(),
    // Once here, so parallel test servers never find the browser assets stale and build them at the same time.
    buildAssets(),
  ]);
  await tools;
  const template = createDb(pg.url, 1);
  await migrateLatest(template);
  await template.destroy();
  await createDatabaseIfMissing(pg.urlFor('postgres'), 'postgres');

  const bundlePath = path.join(root, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, bundle.code);
  project.provide('pgAdminUrl', pg.urlFor('postgres'));
  project.provide('pgTemplate', TEMPLATE_DB);
  project.provide('temporalAddress', temporal.address);
  project.provide('temporalNamespace', TEST_NAMESPACE);
  project.provide('workflowBundlePath', bundlePath);
  project.provide('testRoot', root);

  return async () => {
    await temporal.stop();
    await pg.stop();
    fs.rmSync(root, { recursive: true, force: true });
  };
}
