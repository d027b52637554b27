import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { activityRef } from '../../src/cli/artdag/commands/anchors.js';
import { esploraBlocks, parseBlockHeader, type BlockSource } from '../../src/cli/artdag/esplora.js';
import { run } from '../../src/cli/artdag/main.js';
import { checkProof } from '../../src/cli/artdag/proof-check.js';
import { serializeDetached, Timestamp } from '../../src/domain/ots/index.js';

const activity = Buffer.from('{"type":"Create","id":"https://l2.test/activities/3f8a"}');
const BLOCK_HASH = 'cd'.repeat(32);

/** A proof for `bytes` like L2's: sha256 of the bytes, a path to a root, a calendar's pending or Bitcoin attestation. */
function proofFor(bytes: Buffer, attest: 'pending' | 'bitcoin' | 'both') {
  const root = new Timestamp(createHash('sha256').update(bytes).digest());
  const tip = root.add({ kind: 'append', arg: Buffer.from('leaf-sibling') }).add({ kind: 'sha256' });
  if (attest !== 'bitcoin')
    tip.add({ kind: 'prepend', arg: Buffer.from('cal') }).attestations.push({ kind: 'pending', uri: 'https://cal.test' });
  if (attest !== 'pending') tip.attestations.push({ kind: 'bitcoin', height: 900_001 });
  return { ots: serializeDetached({ fileHashOp: 'sha256', timestamp: root }), merkleRoot: tip.msg };
}

const BLOCK_TIME = new Date('2026-11-28T12:00:00.000Z');
const blocksWith = (merkleRoot: Buffer | null): BlockSource => ({
  block: async (height) => (merkleRoot ? { height, hash: BLOCK_HASH, merkleRoot, time: BLOCK_TIME } : null),
});

/** A Bitcoin block header with this merkle root and time, and its hash in display order. */
function header(merkleRoot: Buffer, time: Date) {
  const bytes = Buffer.alloc(80);
  bytes.writeInt32LE(0x20000000, 0);
  merkleRoot.copy(bytes, 36);
  bytes.writeUInt32LE(time.getTime() / 1000, 68);
  const sha256 = (b: Buffer) => createHash('sha256').update(b).digest();
  return {
    hex: bytes.toString('hex'),
    hash: Buffer.from(sha256(sha256(bytes)))
      .reverse()
      .toString('hex'),
  };
}

describe('checking a proof locally', () => {
  it('is pending with only calendar attestations', async () => {
    const report = await checkProof(activity, proofFor(activity, 'pending').ots);
    expect(report).toMatchObject({ outcome: 'pending', problems: [], attestations: [{ kind: 'pending', calendar: 'https://cal.test' }] });
    expect(report.digest).toBe(createHash('sha256').update(activity).digest('hex'));
  });

  it('is confirmed by a Bitcoin attestation whose block has that merkle root', async () => {
    const { ots, merkleRoot } = proofFor(activity, 'both');
    const report = await checkProof(activity, ots, blocksWith(merkleRoot));
    expect(report.outcome).toBe('confirmed');
    expect(report.attestations).toContainEqual({
      kind: 'bitcoin',
      height: 900_001,
      merkle_root: Buffer.from(merkleRoot).reverse().toString('hex'),
      check: 'match',
      block_hash: BLOCK_HASH,
      block_time: BLOCK_TIME.toISOString(),
    });
  });

  it('reports a Bitcoin attestation as unchecked without a block source', async () => {
    const report = await checkProof(activity, proofFor(activity, 'bitcoin').ots);
    expect(report).toMatchObject({ outcome: 'confirmed', attestations: [{ kind: 'bitcoin', check: 'unchecked' }] });
  });

  it('is invalid when the block has another merkle root, or there is no such block', async () => {
    const { ots } = proofFor(activity, 'bitcoin');
    const mismatch = await checkProof(activity, ots, blocksWith(Buffer.alloc(32, 7)));
    expect(mismatch).toMatchObject({ outcome: 'invalid', attestations: [{ check: 'mismatch' }] });
    expect(mismatch.problems[0]).toContain('block 900001');
    const missing = await checkProof(activity, ots, blocksWith(null));
    expect(missing).toMatchObject({ outcome: 'invalid', problems: ['there is no block at height 900001 on the chain'] });
  });

  it('is invalid for other bytes, or for a file that is not a proof', async () => {
    const { ots } = proofFor(activity, 'pending');
    const tampered = await checkProof(Buffer.from(activity.toString().replace('Create', 'Delete')), ots);
    expect(tampered.outcome).toBe('invalid');
    expect(tampered.problems[0]).toMatch(/^the proof is for sha256 [0-9a-f]{64}, not for these activity bytes$/);
    const garbage = await checkProof(activity, Buffer.from('<html>not found</html>'));
    expect(garbage).toMatchObject({ outcome: 'invalid', problems: [expect.stringContaining('not an OpenTimestamps proof')] });
  });
});

describe('Esplora block headers', () => {
  const merkleRoot = Buffer.from('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff', 'hex');

  it('reads the merkle root (bytes 36..68) and time of the header that hashes to the block hash', async () => {
    const block = header(merkleRoot, BLOCK_TIME);
    const urls: string[] = [];
    const blocks = esploraBlocks('http://esplora.test/api/', (async (url: string) => {
      urls.push(String(url));
      if (String(url).endsWith('/block-height/5')) return new Response(`${block.hash}\n`);
      if (String(url).endsWith('/block-height/6')) return new Response('Block not found', { status: 404 });
      return new Response(block.hex);
    }) as typeof fetch);
    expect(await blocks.block(5)).toEqual({ height: 5, hash: block.hash, merkleRoot, time: BLOCK_TIME });
    expect(await blocks.block(6)).toBeNull();
    expect(urls).toEqual([
      'http://esplora.test/api/block-height/5',
      `http://esplora.test/api/block/${block.hash}/header`,
      'http://esplora.test/api/block-height/6',
    ]);
  });

  it('refuses a header of another block, or one that is not 80 bytes', () => {
    const block = header(merkleRoot, BLOCK_TIME);
    expect(() => parseBlockHeader(5, BLOCK_HASH, block.hex)).toThrow(`hashes to ${block.hash}, not to the block hash ${BLOCK_HASH}`);
    expect(() => parseBlockHeader(5, block.hash, block.hex.slice(2))).toThrow('not 80 bytes of hex');
    expect(() => parseBlockHeader(5, block.hash, 'zz'.repeat(80))).toThrow('not 80 bytes of hex');
  });

  it('exits 3 when Esplora fails (5xx) and names the request', async () => {
    const blocks = esploraBlocks('http://esplora.test', (async () => new Response('oops', { status: 502 })) as typeof fetch);
    await expect(blocks.block(5)).rejects.toMatchObject({ exitCode: 3, message: 'Esplora answered 502 for /block-height/5' });
  });
});

describe('activity references', () => {
  it('takes a uuid, a sequence number, or an id URL (by its uuid)', () => {
    const uuid = '3F8A1C2E-0000-4000-8000-00000000ABCD';
    expect(activityRef(uuid)).toBe(uuid.toLowerCase());
    expect(activityRef('42')).toBe('42');
    expect(activityRef(`https://l2.test/activities/${uuid}`)).toBe(uuid.toLowerCase());
    expect(activityRef('https://l2.test/other/thing')).toBe(encodeURIComponent('https://l2.test/other/thing'));
  });
});

describe('artdag anchors verify exit codes', () => {
  const uuid = '3f8a1c2e-0000-4000-8000-00000000abcd';

  /** Runs the command against a fake L2 serving `activity`, the proof (or 404), and the server's view. */
  async function verify(ots: Buffer | null, extra: string[] = []) {
    let stdout = '';
    let stderr = '';
    const fetchImpl = (async (url: string) => {
      const { pathname } = new URL(url);
      if (pathname === `/activities/${uuid}`) return new Response(activity, { headers: { 'content-type': 'application/activity+json' } });
      if (pathname === `/activities/${uuid}/ots`) {
        return ots
          ? new Response(ots)
          : Response.json({ error: { code: 'not_found', message: 'Activity x is not anchored yet.' } }, { status: 404 });
      }
      if (pathname === `/anchors/verify/${uuid}`) return Response.json({ activity_id: 'x', status: 'pending', bitcoin_block: null });
      throw new Error(`unexpected ${url}`);
    }) as typeof fetch;
    const code = await run({
      argv: ['anchors', 'verify', uuid, '--server', 'http://l2.test', ...extra],
      env: { server: undefined, configDir: fs.mkdtempSync(path.join(os.tmpdir(), 'artdag-verify-')), xdgConfigHome: undefined, home: '/' },
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
      stdin: [],
      fetch: fetchImpl,
    });
    return { code, stdout, stderr };
  }

  it('exits 7 while the proof is only pending, and when the activity is not anchored yet', async () => {
    const pendingProof = await verify(proofFor(activity, 'pending').ots, ['--json']);
    expect(pendingProof.code).toBe(7);
    expect(JSON.parse(pendingProof.stdout)).toMatchObject({ outcome: 'pending', server: { status: 'pending' } });
    const notAnchored = await verify(null);
    expect(notAnchored).toMatchObject({ code: 7, stderr: 'error: Activity x is not anchored yet.\n' });
  });

  it('exits 0 for a Bitcoin attestation, saying it was not checked without --esplora, and 1 when the proof does not match the bytes', async () => {
    const confirmed = await verify(proofFor(activity, 'bitcoin').ots);
    expect(confirmed.code).toBe(0);
    expect(confirmed.stdout).toContain('valid: attested in Bitcoin block 900001, not checked against the chain (pass --esplora URL)');
    const other = await verify(proofFor(Buffer.from('other bytes'), 'bitcoin').ots);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/^error: the proof is invalid: the proof is for sha256/);
  });
});
