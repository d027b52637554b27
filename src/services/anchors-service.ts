// Anchoring: batch unanchored activities into a merkle tree (first leaf: the previous root, so anchors form a
// hash chain), stamp the root on m-of-n calendars, upgrade it once Bitcoin confirms, and serve proofs.
import { createHash, randomBytes } from 'node:crypto';
import type { CalendarClient } from '../clients/calendar-client.js';
import type { HeaderSource } from '../clients/esplora-client.js';
import { NotFound } from '../domain/errors.js';
import {
  attestedMessages,
  buildMerkleTree,
  opsToTimestamp,
  parseTimestamp,
  serializeDetached,
  serializeTimestamp,
  Timestamp,
  type MerkleTree,
  type Op,
} from '../domain/ots/index.js';
import type { Db } from '../db/knex.js';
import type { AnchorRow } from '../db/repositories/anchors-repository.js';
import type { Repositories } from '../db/repositories/index.js';

export interface OtsSettings {
  calendars: string[];
  minCalendars: number;
}

export interface UpgradeResult {
  merkle_root: string;
  status: AnchorRow['status'];
  bitcoin_block: number | null;
  upgraded_from: string[];
  still_pending: string[];
  error: string | null;
}

export class StampingIncomplete extends Error {}

const MAX_LEAVES = 100_000;

export class AnchorsService {
  private readonly trees = new Map<string, MerkleTree>();

  constructor(
    private readonly db: Db,
    private readonly repos: Repositories,
    private readonly calendars: CalendarClient,
    private readonly headers: HeaderSource,
    private readonly settings: OtsSettings,
  ) {}

  /**
   * Makes the next batch: all unanchored activities (up to MAX_LEAVES) in one tree, stored with its leaves in one
   * transaction. An anchor made earlier but not yet stamped is returned instead, so a retried batch resumes it.
   */
  async createAnchor(maxLeaves = MAX_LEAVES): Promise<{ merkleRoot: string; leafCount: number } | null> {
    return await this.db.transaction(async (trx) => {
      await this.repos.anchors.lockBatching(trx);
      const previous = await this.repos.anchors.latest(trx);
      if (previous?.status === 'created') return { merkleRoot: previous.merkle_root, leafCount: previous.leaf_count };
      const leaves = await this.repos.anchors.unanchoredLeaves(trx, maxLeaves);
      if (leaves.length === 0) return null;
      const chained = previous !== null;
      const tree = buildMerkleTree([...(chained ? [Buffer.from(previous.merkle_root, 'hex')] : []), ...leaves.map((l) => l.leafHash)]);
      const merkleRoot = tree.root.toString('hex');
      await this.repos.anchors.insert(
        trx,
        {
          merkle_root: merkleRoot,
          previous_root: previous?.merkle_root ?? null,
          leaf_count: tree.leafCount,
          tree: { leaves: tree.leafCount, first_leaf_is_previous_root: chained },
        },
        leaves,
        chained ? 1 : 0,
      );
      this.trees.set(merkleRoot, tree);
      return { merkleRoot, leafCount: tree.leafCount };
    });
  }

  /** Stamps the root on every calendar that has not accepted it yet; done once at least minCalendars have. */
  async stamp(merkleRoot: string): Promise<{ accepted: string[]; failed: Record<string, string> }> {
    return await this.db
      .transaction(async (trx) => {
        const anchor = await this.repos.anchors.findForUpdate(trx, merkleRoot);
        if (!anchor) throw new NotFound(`No anchor ${merkleRoot}.`);
        const root = Buffer.from(merkleRoot, 'hex');
        const timestamp = anchor.ots_pending ? parseTimestamp(anchor.ots_pending, root) : new Timestamp(root);
        const state = { ...anchor.calendars };
        const todo = this.settings.calendars.filter((url) => state[url]?.status !== 'ok');
        const failed: Record<string, string> = {};
        await Promise.all(
          todo.map(async (url) => {
            const started = Date.now();
            try {
              timestamp.merge(await this.calendars.submit(url, root));
              state[url] = { status: 'ok', at: new Date().toISOString(), latency_ms: Date.now() - started };
            } catch (err) {
              failed[url] = (err as Error).message;
              state[url] = {
                status: 'failed',
                at: new Date().toISOString(),
                latency_ms: Date.now() - started,
                error: (err as Error).message,
              };
            }
          }),
        );
        const accepted = Object.entries(state)
          .filter(([, s]) => s.status === 'ok')
          .map(([url]) => url);
        const enough = accepted.length >= this.settings.minCalendars;
        await this.repos.anchors.update(trx, anchor.id, {
          calendars: state,
          ots_pending: serializeTimestamp(timestamp),
          ...(enough && anchor.status === 'created' ? { status: 'pending', stamped_at: new Date() } : {}),
          last_error: enough ? null : `only ${accepted.length} of the required ${this.settings.minCalendars} calendars accepted the root`,
        });
        return { accepted, failed };
      })
      .then((result) => {
        if (result.accepted.length < this.settings.minCalendars) {
          throw new StampingIncomplete(
            `only ${result.accepted.length} of ${this.settings.minCalendars} calendars accepted: ${Object.values(result.failed).join('; ')}`,
          );
        }
        return result;
      });
  }

  /** Asks the calendars for upgrades and checks Bitcoin attestations against block headers. */
  async upgrade(merkleRoot: string): Promise<UpgradeResult> {
    return await this.db.transaction(async (trx) => {
      const anchor = await this.repos.anchors.findForUpdate(trx, merkleRoot);
      if (!anchor) throw new NotFound(`No anchor ${merkleRoot}.`);
      const result: UpgradeResult = {
        merkle_root: merkleRoot,
        status: anchor.status,
        bitcoin_block: anchor.bitcoin_block,
        upgraded_from: [],
        still_pending: [],
        error: anchor.last_error,
      };
      if (anchor.status !== 'pending' || !anchor.ots_pending) return result;
      result.error = null;

      const root = Buffer.from(merkleRoot, 'hex');
      const timestamp = parseTimestamp(anchor.ots_pending, root);
      for (const { msg, attestation, ops } of attestedMessages(timestamp)) {
        if (attestation.kind !== 'pending' || !this.settings.calendars.includes(attestation.uri)) continue;
        const upgraded = await this.calendars.upgrade(attestation.uri, msg).catch((err: Error) => {
          result.error = err.message;
          return null;
        });
        if (upgraded) {
          nodeAt(timestamp, ops).merge(upgraded);
          result.upgraded_from.push(attestation.uri);
        } else {
          result.still_pending.push(attestation.uri);
        }
      }

      const bitcoin = attestedMessages(timestamp).filter((a) => a.attestation.kind === 'bitcoin');
      const mismatches: string[] = [];
      const valid: { height: number; time: Date; ops: Op[] }[] = [];
      for (const found of bitcoin) {
        const height = (found.attestation as { height: number }).height;
        const header = await this.headers.header(height);
        if (!header) continue;
        if (header.merkleRoot.equals(found.msg)) valid.push({ height, time: header.time, ops: found.ops });
        else mismatches.push(`the attestation for block ${height} does not match that block's merkle root`);
      }
      const fields: Parameters<typeof this.repos.anchors.update>[2] = {
        ots_pending: serializeTimestamp(timestamp),
        last_upgrade_at: new Date(),
        upgrade_attempts: anchor.upgrade_attempts + 1,
      };
      if (valid.length > 0) {
        const best = valid.sort((a, b) => a.height - b.height)[0]!;
        const proof = opsToTimestamp(root, best.ops);
        proof.tip.attestations.push({ kind: 'bitcoin', height: best.height });
        Object.assign(fields, {
          status: 'confirmed',
          ots_confirmed: serializeTimestamp(proof.root),
          bitcoin_block: best.height,
          block_time: best.time,
          verified_at: new Date(),
          confirmed_at: new Date(),
          last_error: null,
        });
        result.status = 'confirmed';
        result.bitcoin_block = best.height;
      } else if (mismatches.length > 0) {
        fields.last_error = mismatches.join('; ');
        result.error = fields.last_error;
        // Invalid only when nothing else could still confirm it.
        if (result.still_pending.length === 0) {
          fields.status = 'invalid';
          result.status = 'invalid';
        }
      }
      await this.repos.anchors.update(trx, anchor.id, fields);
      return result;
    });
  }

  /** Stamps a random digest on each calendar and reports each answer and its latency. */
  async testCalendars(): Promise<{ calendar: string; ok: boolean; latency_ms: number; error?: string }[]> {
    const digest = createHash('sha256').update(randomBytes(32)).digest();
    return await Promise.all(
      this.settings.calendars.map(async (calendar) => {
        const started = Date.now();
        try {
          await this.calendars.submit(calendar, digest);
          return { calendar, ok: true, latency_ms: Date.now() - started };
        } catch (err) {
          return { calendar, ok: false, latency_ms: Date.now() - started, error: (err as Error).message };
        }
      }),
    );
  }

  async tree(anchor: AnchorRow): Promise<MerkleTree> {
    const cached = this.trees.get(anchor.merkle_root);
    if (cached) return cached;
    const leaves = (await this.repos.anchors.leaves(anchor.id)).map((l) => l.leaf_hash);
    const tree = buildMerkleTree([...(anchor.previous_root ? [Buffer.from(anchor.previous_root, 'hex')] : []), ...leaves]);
    if (this.trees.size >= 8) this.trees.delete(this.trees.keys().next().value!);
    this.trees.set(anchor.merkle_root, tree);
    return tree;
  }

  /** The root's own proof: the confirmed one when there is one, else the pending one. */
  rootTimestamp(anchor: AnchorRow): Timestamp {
    const root = Buffer.from(anchor.merkle_root, 'hex');
    const stored = anchor.ots_confirmed ?? anchor.ots_pending;
    return stored ? parseTimestamp(stored, root) : new Timestamp(root);
  }

  rootOts(anchor: AnchorRow): Buffer {
    return serializeDetached({ fileHashOp: 'sha256', timestamp: this.rootTimestamp(anchor) });
  }

  /** A standalone proof for one activity: sha256 of its bytes, its merkle path, then the root's proof. */
  async activityProof(activityRowId: number): Promise<{ anchor: AnchorRow; path: Op[]; ots: Buffer } | null> {
    const placed = await this.repos.anchors.forActivity(activityRowId);
    if (!placed) return null;
    const tree = await this.tree(placed.anchor);
    const path = tree.path(placed.leafIndex);
    const leaves = await this.repos.anchors.leaves(placed.anchor.id);
    const leaf = leaves.find((l) => l.leaf_index === placed.leafIndex)!.leaf_hash;
    const { root, tip } = opsToTimestamp(leaf, path);
    tip.merge(this.rootTimestamp(placed.anchor));
    return { anchor: placed.anchor, path, ots: serializeDetached({ fileHashOp: 'sha256', timestamp: root }) };
  }
}

function nodeAt(timestamp: Timestamp, ops: Op[]): Timestamp {
  return ops.reduce((node, op) => node.add(op), timestamp);
}
