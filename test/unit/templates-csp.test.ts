// Templates hold nothing the strict Content-Security-Policy would block: no inline scripts, styles or handlers.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../../src/api/middleware/security-headers.js';

const templatesDir = fileURLToPath(new URL('../../templates/', import.meta.url));

function templates(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    return entry.isDirectory() ? templates(file) : entry.name.endsWith('.eta') ? [file] : [];
  });
}

const FORBIDDEN: [string, RegExp][] = [
  ['an inline <script> (scripts must have src)', /<script(?![^>]*\ssrc=)[^>]*>/i],
  ['a <style> element', /<style[\s>]/i],
  ['a style="" attribute', /\sstyle\s*=/i],
  ['an inline event handler (on…="")', /<[a-z][^>]*\son[a-z]+\s*=/i],
  ['a javascript: URL', /javascript:/i],
];

describe('templates under a strict CSP', () => {
  const files = templates(templatesDir);

  it('finds the templates', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it.each(files.map((f) => [path.relative(templatesDir, f), f]))('%s has no inline script, style or handler', (_name, file) => {
    const text = fs.readFileSync(file, 'utf8');
    const found = FORBIDDEN.filter(([, pattern]) => pattern.test(text)).map(([what]) => what);
    expect(found).toEqual([]);
  });

  it('allows only our own scripts and styles, and forms only to us and the trusted L1s', () => {
    const policy = contentSecurityPolicy(['https://l1.example']);
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("style-src 'self'");
    expect(policy).toContain("object-src 'none'");
    expect(policy).toContain("form-action 'self' https://l1.example");
    expect(policy).not.toMatch(/unsafe-inline|unsafe-eval/);
  });
});
