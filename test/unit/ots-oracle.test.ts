// Compares our OpenTimestamps module with python-opentimestamps 0.4.5, byte for byte.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  applyOp,
  attestedMessages,
  buildMerkleTree,
  describeOp,
  OtsFormatError,
  parseDetached,
  parseTimestamp,
  serializeDetached,
  type Op,
} from '../../src/domain/ots/index.js';
import { otsOracle, runPython } from '../helpers/ots-oracle.js';
import {
  attestationHex,
  fileBytes,
  fileHashTag,
  mutations,
  opToSpec,
  RICH_SAMPLE,
  SAMPLE_FILES,
  type OpSpec,
} from '../oracle/sample-proofs.js';

const script = fs.readFileSync(new URL('../oracle/oracle.py', import.meta.url), 'utf8');

type Parsed =
  { ok: true; reserialized: string; attested: [string, string][] } | { ok: false; error: string; deserializationError: boolean };

/** Sends requests to test/oracle/oracle.py in one python process; answers come back in the same order. */
async function reference(...requests: object[]): Promise<any[]> {
  const run = await runPython(script, Buffer.from(JSON.stringify(requests)));
  if (run.code !== 0) throw new Error(`oracle.py failed (${run.code}):\n${run.stderr}`);
  return JSON.parse(run.stdout) as any[];
}

function ourAttested(bytes: Buffer): [string, string][] {
  return attestedMessages(parseDetached(bytes).timestamp)
    .map(({ msg, attestation }): [string, string] => [msg.toString('hex'), attestationHex(attestation)])
    .sort(([a, x], [b, y]) => (a !== b ? (a < b ? -1 : 1) : x < y ? -1 : x > y ? 1 : 0));
}

function ourParse(bytes: Buffer): { ok: true; reserialized: string } | { ok: false } {
  try {
    return { ok: true, reserialized: serializeDetached(parseDetached(bytes)).toString('hex') };
  } catch (error) {
    if (!(error instanceof OtsFormatError)) throw error;
    return { ok: false };
  }
}

beforeAll(() => void otsOracle(), 600_000);

describe('files we write, read by the reference', () => {
  it('parse to the same attested messages and re-serialize byte-identically', async () => {
    const ours = SAMPLE_FILES.map(fileBytes);
    const [parsed] = (await reference({ cmd: 'parse', items: ours.map((b) => b.toString('hex')) })) as [Parsed[]];
    parsed.forEach((result, i) => {
      const name = SAMPLE_FILES[i]!.name;
      expect(result, name).toMatchObject({ ok: true, reserialized: ours[i]!.toString('hex') });
      expect(result.ok && result.attested, name).toEqual(ourAttested(ours[i]!));
    });
  });

  it('are shown by `ots info`', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ots-oracle-'));
    try {
      // ots 0.7.2 crashes printing a keccak256 file hash (OpKECCAK256 has no HASHLIB_NAME); the library reads it fine.
      for (const spec of SAMPLE_FILES.filter((s) => s.fileHashOp !== 'keccak256')) {
        const file = path.join(dir, 'proof.ots');
        fs.writeFileSync(file, fileBytes(spec));
        const out = await new Promise<string>((resolve, reject) =>
          execFile(otsOracle().ots, ['info', file], (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout))),
        );
        expect(out).toContain(`File ${spec.fileHashOp} hash: ${spec.digest}`);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('files the reference writes, read by us', () => {
  it('are the bytes we write for the same tree, and round-trip byte-identically', async () => {
    const built = (await reference(
      ...SAMPLE_FILES.map((spec) => ({ cmd: 'build', fileHashTag: fileHashTag(spec.fileHashOp), digest: spec.digest, tree: spec.tree })),
    )) as string[];
    built.forEach((hex, i) => {
      const bytes = Buffer.from(hex, 'hex');
      const name = SAMPLE_FILES[i]!.name;
      expect(hex, name).toBe(fileBytes(SAMPLE_FILES[i]!).toString('hex'));
      expect(serializeDetached(parseDetached(bytes)).toString('hex'), name).toBe(hex);
    });
  });

  it('agree on attested messages', async () => {
    const bytes = fileBytes(SAMPLE_FILES[1]!);
    const [[parsed]] = (await reference({ cmd: 'parse', items: [bytes.toString('hex')] })) as [Parsed[]];
    expect(parsed!.ok && parsed!.attested).toEqual(ourAttested(bytes));
  });
});

describe('merkle trees', () => {
  it("match make_merkle_tree's root and per-leaf ops for 1 to 17 leaves", async () => {
    const sizes = Array.from({ length: 17 }, (_, i) => i + 1);
    const leafSets = sizes.map((n) => Array.from({ length: n }, () => randomBytes(32)));
    const answers = (await reference(...leafSets.map((leaves) => ({ cmd: 'merkle', leaves: leaves.map((l) => l.toString('hex')) })))) as {
      root: string;
      paths: OpSpec[][];
    }[];
    leafSets.forEach((leaves, i) => {
      const tree = buildMerkleTree(leaves);
      expect(tree.root.toString('hex'), `${leaves.length} leaves`).toBe(answers[i]!.root);
      expect(
        leaves.map((_, leaf) => tree.path(leaf).map(opToSpec)),
        `${leaves.length} leaves`,
      ).toEqual(answers[i]!.paths);
    });
  });
});

describe('ops', () => {
  const ops: Op[] = [
    { kind: 'sha256' },
    { kind: 'sha1' },
    { kind: 'ripemd160' },
    { kind: 'keccak256' },
    { kind: 'reverse' },
    { kind: 'hexlify' },
    { kind: 'append', arg: Buffer.from('00ff10', 'hex') },
    { kind: 'prepend', arg: Buffer.from('aa', 'hex') },
  ];

  it('are described as the reference prints them', async () => {
    const [described] = (await reference({ cmd: 'describe', ops: ops.map(opToSpec) })) as [string[]];
    expect(ops.map(describeOp)).toEqual(described);
  });

  it('give the same results and refuse the same messages, at and around every limit', async () => {
    const lengths = [0, 1, 31, 135, 136, 137, 2048, 2049, 4000, 4095, 4096, 4097];
    const items: [Op, Buffer][] = [
      ...ops.flatMap((op) => lengths.map((n): [Op, Buffer] => [op, randomBytes(n)])),
      [{ kind: 'append', arg: randomBytes(96) }, randomBytes(4000)],
      [{ kind: 'append', arg: randomBytes(97) }, randomBytes(4000)],
      [{ kind: 'prepend', arg: randomBytes(4096) }, Buffer.alloc(0)],
    ];
    const [answers] = (await reference({ cmd: 'apply', items: items.map(([op, msg]) => [opToSpec(op), msg.toString('hex')]) })) as [
      ({ ok: true; result: string } | { ok: false; error: string })[],
    ];
    items.forEach(([op, msg], i) => {
      const label = `${op.kind} of ${msg.length} bytes`;
      const answer = answers[i]!;
      if (answer.ok) expect(applyOp(op, msg).toString('hex'), label).toBe(answer.result);
      else expect(() => applyOp(op, msg), `${label}: the reference said ${answer.error}`).toThrow(OtsFormatError);
    });
  });
});

describe('limits and damage', () => {
  it('agree on the deepest readable op chain (255)', async () => {
    const msg = randomBytes(32);
    const chain = (depth: number): string => `${'08'.repeat(depth)}000588960d73d719010101`;
    const [answers] = (await reference({ cmd: 'parse', msg: msg.toString('hex'), items: [chain(255), chain(256)] })) as [Parsed[]];
    expect(answers.map((a) => a.ok)).toEqual([true, false]);
    expect(parseTimestamp(Buffer.from(chain(255), 'hex'), msg).allAttestations()).toHaveLength(1);
    expect(() => parseTimestamp(Buffer.from(chain(256), 'hex'), msg)).toThrow(OtsFormatError);
  });

  it('agree on 300 mutated files: the same ones parse, to the same bytes', async () => {
    const mutated = mutations(fileBytes(RICH_SAMPLE), 300, 7).concat(mutations(fileBytes(SAMPLE_FILES[1]!), 300, 8));
    const [answers] = (await reference({ cmd: 'parse', items: mutated.map((b) => b.toString('hex')) })) as [Parsed[]];
    let accepted = 0;
    mutated.forEach((bytes, i) => {
      const answer = answers[i]!;
      const ours = ourParse(bytes);
      expect(ours.ok, `mutation ${i}: the reference said ${answer.ok ? 'ok' : answer.error}`).toBe(answer.ok);
      if (answer.ok && ours.ok) {
        accepted++;
        expect(ours.reserialized, `mutation ${i}`).toBe(answer.reserialized);
      }
      if (!answer.ok) expect(answer.deserializationError, `mutation ${i}: ${answer.error}`).toBe(true);
    });
    expect(accepted).toBeGreaterThan(0);
  });
});
