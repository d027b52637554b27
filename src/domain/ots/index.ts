// OpenTimestamps proofs, byte-compatible with python-opentimestamps 0.4.5; pure (no network, no files).
export * from './attestations.js';
export * from './detached.js';
export * from './merkle.js';
export * from './ops.js';
export * from './timestamp.js';
export * from './verify.js';
export { keccak256 } from './keccak.js';
