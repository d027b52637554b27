// Stops a helper process left running by a previous start that crashed (pid file present, process alive).
import fs from 'node:fs';

function readPid(file: string): number | null {
  try {
    const pid = Number.parseInt(fs.readFileSync(file, 'utf8').split('\n')[0]!, 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function commandLine(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/**
 * If `pidFile` names a live process whose command line mentions `expect`, stops it and waits.
 * Callers hold the instance lock, so such a process cannot belong to a running instance.
 */
export async function stopStaleProcess(pidFile: string, expect: string, signal: NodeJS.Signals): Promise<void> {
  const pid = readPid(pidFile);
  if (pid === null || !isAlive(pid) || !commandLine(pid).includes(expect)) return;
  process.kill(pid, signal);
  const deadline = Date.now() + 20_000;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function writePidFile(file: string, pid: number): void {
  fs.writeFileSync(file, `${pid}\n`);
}
