// The OpenTimestamps reference (python-opentimestamps + the `ots` client) in .tools/ots-venv, for oracle tests.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const venv = path.join(root, '.tools', 'ots-venv', 'bin');

let installed: { python: string; ots: string } | null = null;

/** Installs the reference once (the script is idempotent and quick once installed) and returns its binaries. */
export function otsOracle(): { python: string; ots: string } {
  if (installed) return installed;
  // A child process, so pip reaches PyPI despite the tests' loopback-only network guard.
  const run = spawnSync('bash', [path.join(root, 'test', 'oracle', 'install-ots.sh')], {
    cwd: root,
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (run.status !== 0) {
    throw new Error(`test/oracle/install-ots.sh failed (${run.status ?? run.signal}):\n${run.stdout}\n${run.stderr}`);
  }
  installed = { python: path.join(venv, 'python'), ots: path.join(venv, 'ots') };
  return installed;
}

export interface PythonResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

/** Runs a python snippet with the reference importable; bytes travel as hex on stdout, or on stdin. */
export function runPython(script: string, stdin?: Buffer): Promise<PythonResult> {
  const { python } = otsOracle();
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-c', script], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PYTHONDONTWRITEBYTECODE: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ stdout, stderr, code }));
    child.stdin.end(stdin ?? Buffer.alloc(0));
  });
}
