// The `artdag` command-line client for L2; scripts/build-cli.mjs bundles it into one file, dist/artdag.mjs.
import { readEnv } from './artdag/environment.js';
import { run } from './artdag/main.js';

process.exitCode = await run({
  argv: process.argv.slice(2),
  env: readEnv(),
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
});
