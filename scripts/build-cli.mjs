// Bundles the artdag CLI (src/cli/artdag.ts) into one executable ESM file for Node 20: dist/artdag.mjs, or the
// path given as `--outfile PATH` (tests build into a temp dir). Only node: built-ins may stay outside the
// bundle: an import of any package (knex, pg, koa, temporal…) means server code leaked in, and fails the build.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const { values } = parseArgs({ options: { outfile: { type: 'string' } } });
const outfile = path.resolve(values.outfile ?? path.join(root, 'dist', 'artdag.mjs'));

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

const result = await build({
  entryPoints: [path.join(root, 'src', 'cli', 'artdag.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  banner: { js: '#!/usr/bin/env node' },
  legalComments: 'none',
  define: { __ARTDAG_VERSION__: JSON.stringify(version) },
  plugins: [onlyNodeBuiltins],
  logLevel: 'warning',
  metafile: true,
});

fs.chmodSync(outfile, 0o755);
const bytes = Object.values(result.metafile.outputs)[0].bytes;
process.stdout.write(`wrote ${path.relative(process.cwd(), outfile) || outfile} (${(bytes / 1024).toFixed(1)} KiB)\n`);
