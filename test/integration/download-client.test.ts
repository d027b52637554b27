// /download/client: the CLI bundle built from this server's source, and the page that says how to install it.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('/download/client', () => {
  it('serves one runnable file whose digest the page and the JSON give', async () => {
    const info = await client(server.url).get('/download/client');
    expect(info.status).toBe(200);
    expect(info.body).toMatchObject({
      name: 'artdag',
      url: `${server.config.publicUrl}/download/client/artdag.mjs`,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      requires: 'Node.js >= 20',
    });

    const res = await fetch(`${server.url}/download/client/artdag.mjs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="artdag.mjs"');
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.length).toBe(info.body.size_bytes);
    expect(createHash('sha256').update(body).digest('hex')).toBe(info.body.sha256);
    expect(body.toString('utf8', 0, 20)).toBe('#!/usr/bin/env node\n');

    // fetch() adds Cache-Control: no-cache to conditional requests (as the Fetch standard says); a plain client does not.
    const again = await new Promise<number>((resolve, reject) =>
      http
        .get(`${server.url}/download/client/artdag.mjs`, { headers: { 'if-none-match': res.headers.get('etag')! } }, (reply) => {
          reply.resume();
          resolve(reply.statusCode!);
        })
        .on('error', reject),
    );
    expect(again).toBe(304);

    const file = path.join(server.config.dataDir, 'downloaded-artdag.mjs');
    fs.writeFileSync(file, body, { mode: 0o755 });
    const { stdout } = await promisify(execFile)(process.execPath, [file, '--version']);
    expect(stdout).toBe(`artdag ${info.body.version}\n`);

    const page = await client(server.url).get('/download/client', { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.text).toContain(`curl -fsSL ${server.config.publicUrl}/download/client/artdag.mjs`);
    expect(page.text).toContain(info.body.sha256);
    expect(page.text).toContain(`artdag login --server ${server.config.publicUrl}`);
  });

  it('answers 404 for other files under /download/client', async () => {
    const res = await client(server.url).get('/download/client/other.js');
    expect(res.status).toBe(404);
  });
});
