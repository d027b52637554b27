import { describe, expect, it } from 'vitest';
import { OtsFormatError, parseDetached, serializeDetached } from '../../src/domain/ots/index.js';
import { fileBytes, mutations, SAMPLE_FILES } from '../oracle/sample-proofs.js';

describe('randomly mutated proofs', () => {
  it.each(SAMPLE_FILES.slice(0, 2).map((spec, i) => [spec.name, spec, i] as const))(
    '300 one-byte mutations of %s either parse stably or throw OtsFormatError',
    (_, spec, seed) => {
      let parsed = 0;
      for (const [i, bytes] of mutations(fileBytes(spec), 300, 1000 + seed).entries()) {
        let once: Buffer;
        try {
          once = serializeDetached(parseDetached(bytes));
        } catch (error) {
          if (!(error instanceof OtsFormatError)) throw new Error(`mutation ${i} threw ${String(error)}`, { cause: error });
          continue;
        }
        parsed++;
        expect(serializeDetached(parseDetached(once)).equals(once), `mutation ${i} re-serializes stably`).toBe(true);
      }
      // Most single-byte changes break something, but some (an argument byte, a height) must still parse.
      expect(parsed).toBeGreaterThan(0);
    },
  );
});
