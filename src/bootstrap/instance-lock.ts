// One running instance per data directory: a second `npm start` on the same data says so instead of colliding.
import fs from 'node:fs';
import path from 'node:path';

export class InstanceLockedError extends Error {}

export function acquireInstanceLock(dataDir: string): () => void {
  const file = path.join(dataDir, 'artdag-l2.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return () => fs.rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number.parseInt(fs.readFileSync(file, 'utf8'), 10);
      let alive: boolean;
      try {
        process.kill(pid, 0);
        alive = pid !== process.pid;
      } catch {
        alive = false;
      }
      if (alive) throw new InstanceLockedError(`another instance (pid ${pid}) is running with ARTDAG_DATA=${dataDir}; stop it first`);
      fs.rmSync(file, { force: true });
    }
  }
  throw new InstanceLockedError(`could not take the instance lock ${file}`);
}
