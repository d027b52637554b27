// Types for scripts/build-cli.mjs, so server code (TypeScript) can import buildCli().

/** Where `npm run build:cli` writes the bundle: dist/artdag.mjs in the repository. */
export declare const DEFAULT_OUTFILE: string;

/** Bundles src/cli/artdag.ts into one executable file (default DEFAULT_OUTFILE) and returns its absolute path. */
export declare function buildCli(options?: { outfile?: string }): Promise<string>;
