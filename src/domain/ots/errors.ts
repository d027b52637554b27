// The one error every OpenTimestamps decoding or limit failure raises, so callers catch a single type.

export class OtsFormatError extends Error {
  /** Byte offset into the input where the problem was found, when there is an input. */
  readonly offset: number | undefined;

  constructor(problem: string, offset?: number) {
    super(offset === undefined ? problem : `${problem} (at byte ${offset})`);
    this.name = 'OtsFormatError';
    this.offset = offset;
  }
}
