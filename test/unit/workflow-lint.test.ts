import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint();

async function restrictedImports(code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: 'src/workflows/probe.workflow.ts' });
  return result!.messages.filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports').map((m) => m.message);
}

describe('the workflow import rule', () => {
  it('allows @temporalio/workflow, sibling workflow files and activity types', async () => {
    const code = [
      "import { proxyActivities } from '@temporalio/workflow';",
      "import type { Activities } from '../activities/index.js';",
      "export * from './other.workflow.js';",
      'export const p = proxyActivities<Activities>({ startToCloseTimeout: 1 });',
    ].join('\n');
    expect(await restrictedImports(code)).toEqual([]);
  });

  it('refuses node modules, activity values and other packages', async () => {
    const code = [
      "import fs from 'node:fs';",
      "import { createActivities } from '../activities/index.js';",
      "import { z } from 'zod';",
      'export const x = [fs, createActivities, z];',
    ].join('\n');
    const messages = await restrictedImports(code);
    expect(messages).toHaveLength(3);
    expect(messages[0]).toContain('deterministic');
  });
});
