// Anchoring activities: make the batch, stamp it (retried until enough calendars accept), upgrade it.
import type { AnchorsService, UpgradeResult } from '../services/anchors-service.js';
import { heartbeating } from './heartbeat.js';

export function createAnchorActivities(deps: { anchors: AnchorsService }) {
  return {
    async createAnchor(): Promise<{ merkleRoot: string; leafCount: number } | null> {
      return await heartbeating(() => deps.anchors.createAnchor());
    },

    async stampAnchor(input: { merkleRoot: string }): Promise<{ accepted: string[] }> {
      const { accepted } = await heartbeating(() => deps.anchors.stamp(input.merkleRoot));
      return { accepted };
    },

    async upgradeAnchor(input: { merkleRoot: string }): Promise<UpgradeResult> {
      return await heartbeating(() => deps.anchors.upgrade(input.merkleRoot));
    },
  };
}
