import { Connection } from '@temporalio/client';
import { describe, expect, inject, it } from 'vitest';

describe('the embedded Temporal dev server', () => {
  it('keeps closed workflows visible for 30 days in our namespace', async () => {
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      const ns = await connection.workflowService.describeNamespace({ namespace: inject('temporalNamespace') });
      const seconds = Number(ns.config?.workflowExecutionRetentionTtl?.seconds ?? 0);
      expect(seconds).toBeGreaterThanOrEqual(30 * 24 * 3600);
    } finally {
      await connection.close();
    }
  });

  it('listens on loopback only', () => {
    expect(inject('temporalAddress')).toMatch(/^127\.0\.0\.1:\d+$/);
  });
});
