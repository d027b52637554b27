// One fixed seed for every property file, so CI failures reproduce; FC_SEED=<n> replays (or explores) another run.
import fc from 'fast-check';

/** The seed this run uses: FC_SEED when set, otherwise a constant. fast-check prints it with every counterexample. */
export const PROPERTY_SEED = process.env.FC_SEED === undefined ? 0x0a47da6 : Number(process.env.FC_SEED);

/** Call once at the top of a property file (each file runs in its own worker, so global settings stay per file). */
export function configureProperties(): void {
  if (!Number.isSafeInteger(PROPERTY_SEED)) throw new Error(`FC_SEED must be an integer, not ${process.env.FC_SEED}`);
  // verbose: 1 lists the counterexample and every failing step; the report always carries seed and path to replay.
  fc.configureGlobal({ seed: PROPERTY_SEED, verbose: 1 });
}
