import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashFile } from '../../src/cli/artdag/file-hash.js';
import { contentHashOf } from '../../src/domain/content-hash.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'artdag-hash-'));

describe('hashing a file', () => {
  it('gives the SHA3-256 of the whole file, read in many chunks, and reports every byte', async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    const file = path.join(dir, 'big.bin');
    fs.writeFileSync(file, bytes);
    const chunks: number[] = [];
    const result = await hashFile(file, (n) => chunks.push(n));
    expect(result).toEqual({ hash: contentHashOf(bytes), size: bytes.length });
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.reduce((a, b) => a + b, 0)).toBe(bytes.length);
  });

  it('hashes an empty file to the SHA3-256 of nothing', async () => {
    const file = path.join(dir, 'empty');
    fs.writeFileSync(file, '');
    expect(await hashFile(file)).toEqual({ hash: 'a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a', size: 0 });
  });
});
