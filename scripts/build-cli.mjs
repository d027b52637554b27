// Bundles the artdag CLI (src/cli/artdag.ts) into one executable ESM file for Node 20: dist/artdag.mjs, or the
// path given as `--outfile PATH` (tests build into a temp dir). Only node: built-ins may stay outside the
// bundle: an import of any package (knex, pg, koa, temporal…) means server code leaked in, and fails the build.
// The server imports buildCli() to build the bundle it serves; run directly, this file builds and says where.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
export const DEFAULT_OUTFILE = path.join(root, 'dist', 'artdag.mjs');

/** Keeps node: built-ins external and refuses every package import. */
const onlyNodeBuiltins = {
  name: 'only-node-builtins',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('node:')
        ? { path: args.path, external: true }
        : {
            errors: [
              {
                text: `"${args.path}" is imported by ${path.relative(root, args.importer)}: the CLI may import only src/ modules without dependencies and node: built-ins`,
              },
            ],
          },
    );
  },
};

/**
 * Builds the bundle and returns its absolute path. The file appears whole (written beside it, then renamed),
 * so a server handing it out while another build runs never serves half of one.
 */
export async function buildCli({ outfile = DEFAULT_OUTFILE } = {}) {
  const target = path.resolve(outfile);
  const { version } = JSON.parse(await fs.readFile(path.join(root, 'package.json'), 'utf8'));
  const result = await build({
    entryPoints: [path.join(root, 'src', 'cli', 'artdag.ts')],
    outfile: target,
    write: false,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
    legalComments: 'none',
    define: { __ARTDAG_VERSION__: JSON.stringify(version) },
    plugins: [onlyNodeBuiltins],
    logLevel: 'silent',
  });
  const [output] = result.outputFiles;
  await fs.mkdir(path.dirname(target), { recursive: true });
  const temp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await fs.writeFile(temp, output.contents, { mode: 0o755 });
    await fs.chmod(temp, 0o755);
    await fs.rename(temp, target);
  } finally {
    await fs.rm(temp, { force: true });
  }
  return target;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { outfile: { type: 'string' } } });
  try {
    const written = await buildCli({ outfile: values.outfile });
    const { size } = await fs.stat(written);
    process.stdout.write(`wrote ${path.relative(process.cwd(), written) || written} (${(size / 1024).toFixed(1)} KiB)\n`);
  } catch (err) {
    // esbuild's errors list every failed import; its message already says which.
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
