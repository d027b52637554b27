// Builds the browser assets into public/build/: the Tailwind stylesheet (from web/styles.css and the classes the
// templates use), HTMX from its npm package and our small web/app.js, each named by its content hash, plus
// manifest.json mapping logical names to those files. Runs at install (npm's prepare), and at start when the
// sources are newer than the manifest. Nothing is fetched from the network.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const run = promisify(execFile);

export const BUILD_DIR = path.join(root, 'public', 'build');
export const MANIFEST = path.join(BUILD_DIR, 'manifest.json');
/** Everything the build reads: a change to any of these makes the build stale. */
export const SOURCES = [path.join(root, 'web'), path.join(root, 'templates'), path.join(root, 'package-lock.json')];

function hashed(name, body) {
  const digest = createHash('sha256').update(body).digest('hex').slice(0, 12);
  const ext = path.extname(name);
  return `${path.basename(name, ext)}.${digest}${ext}`;
}

async function tailwind() {
  const cli = path.join(path.dirname(require.resolve('@tailwindcss/cli/package.json')), 'dist', 'index.mjs');
  const out = path.join(BUILD_DIR, `.app.${process.pid}.css`);
  try {
    await run(process.execPath, [cli, '-i', path.join(root, 'web', 'styles.css'), '-o', out, '--minify'], { cwd: root, timeout: 120_000 });
    return fs.readFileSync(out);
  } finally {
    fs.rmSync(out, { force: true });
  }
}

/** Builds everything; returns the manifest. Writes are atomic (temp file + rename), so readers never see half a file. */
export async function buildAssets() {
  fs.mkdirSync(BUILD_DIR, { recursive: true });
  const files = {
    'app.css': await tailwind(),
    'htmx.js': fs.readFileSync(path.join(path.dirname(require.resolve('htmx.org/package.json')), 'dist', 'htmx.min.js')),
    'app.js': fs.readFileSync(path.join(root, 'web', 'app.js')),
    'favicon.svg': fs.readFileSync(path.join(root, 'web', 'favicon.svg')),
  };
  const manifest = {};
  for (const [name, body] of Object.entries(files)) {
    const file = hashed(name, body);
    const target = path.join(BUILD_DIR, file);
    if (!fs.existsSync(target)) {
      fs.writeFileSync(`${target}.${process.pid}.tmp`, body);
      fs.renameSync(`${target}.${process.pid}.tmp`, target);
    }
    manifest[name] = file;
  }
  fs.writeFileSync(`${MANIFEST}.${process.pid}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`);
  fs.renameSync(`${MANIFEST}.${process.pid}.tmp`, MANIFEST);
  // Older builds are left for a running server that still names them; drop only those no manifest names and
  // that are more than a day old.
  const keep = new Set([...Object.values(manifest), 'manifest.json']);
  for (const entry of fs.readdirSync(BUILD_DIR)) {
    const file = path.join(BUILD_DIR, entry);
    if (!keep.has(entry) && Date.now() - fs.statSync(file).mtimeMs > 86_400_000) fs.rmSync(file, { force: true });
  }
  return manifest;
}

function newest(target) {
  if (!fs.existsSync(target)) return 0;
  const stat = fs.statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...fs.readdirSync(target).map((entry) => newest(path.join(target, entry))));
}

/** True when there is no manifest, or a source changed after it was written. */
export function assetsStale() {
  if (!fs.existsSync(MANIFEST)) return true;
  return Math.max(...SOURCES.map(newest)) > fs.statSync(MANIFEST).mtimeMs;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const manifest = await buildAssets();
  process.stdout.write(`built ${Object.values(manifest).join(', ')} in ${path.relative(process.cwd(), BUILD_DIR) || BUILD_DIR}\n`);
}
