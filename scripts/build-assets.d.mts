// Types for scripts/build-assets.mjs, which the server imports to build its assets when they are stale.
export declare const BUILD_DIR: string;
export declare const MANIFEST: string;
export declare const SOURCES: string[];
export declare function buildAssets(): Promise<Record<string, string>>;
export declare function assetsStale(): boolean;
