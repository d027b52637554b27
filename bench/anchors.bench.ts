// A 1,000,000-leaf merkle tree against 1,000,000 raw sha256 of 64-byte inputs, and activities anchored per
// second end to end (select → tree → store) for one batch of 100,000.
import { hash, randomBytes } from 'node:crypto';
import { buildMerkleTree } from '../src/domain/ots/index.js';
import { report } from './lib/load.js';
import { startBenchStack } from './lib/stack.js';

const LEAVES = 1_000_000;
const BATCH = 100_000;

function bestOf<T>(runs: number, work: () => T): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    work();
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

async function endToEnd(): Promise<number> {
  const stack = await startBenchStack();
  try {
    const db = stack.runtime.db;
    await db.raw(
      `INSERT INTO activities (uuid, activity_id, activity_type, actor_id, raw)
       SELECT gen_random_uuid(), 'https://l2.bench/activities/' || g, 'Create', 'https://l2.bench/users/bench',
              '{"id":"https://l2.bench/activities/' || g || '","type":"Create","padding":"' || repeat('x', 1000) || '"}'
         FROM generate_series(1, ?) AS g`,
      [BATCH],
    );
    const started = performance.now();
    const anchor = await stack.runtime.services.anchors.createAnchor(BATCH);
    const seconds = (performance.now() - started) / 1000;
    if (anchor?.leafCount !== BATCH) throw new Error(`anchored ${anchor?.leafCount} of ${BATCH}`);
    return BATCH / seconds;
  } finally {
    await stack.stop();
  }
}

export async function run(): Promise<void> {
  const leaves = Array.from({ length: LEAVES }, () => randomBytes(32));
  const inputs = randomBytes(64 * LEAVES);
  const tree = bestOf(3, () => buildMerkleTree(leaves));
  const raw = bestOf(3, () => {
    for (let i = 0; i < LEAVES; i++) hash('sha256', inputs.subarray(i * 64, i * 64 + 64), 'buffer');
  });
  const anchored = await endToEnd();
  process.stdout.write(
    `  end to end: ${Math.round(anchored)} activities anchored/s for one batch of ${BATCH.toLocaleString('en')} (select → tree → store)\n`,
  );
  process.stdout.write(
    `  tree of ${LEAVES.toLocaleString('en')} leaves: ${tree.toFixed(0)} ms; ${LEAVES.toLocaleString('en')} raw sha256 of 64 bytes: ${raw.toFixed(0)} ms\n`,
  );
  report('anchors', LEAVES / (tree / 1000), LEAVES / (raw / 1000), 'leaves/s');
}
