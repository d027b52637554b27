// The upload form at /assets/new and its multipart POST /assets as a browser sends it: the CSRF token in the
// action's query string, 303 to the new asset, and every bad input re-rendered next to its field.
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentHashOf } from '../../src/domain/content-hash.js';
import { browserLogin, client, registerAndLogin, type Browser } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let alice: Browser;
const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

beforeAll(async () => {
  server = await startTestServer({ env: { MAX_CONTENT_BYTES: String(64 * 1024) } });
  await registerAndLogin(server.url, 'alice');
  alice = await browserLogin(server.url, 'alice');
});
afterAll(() => server.stop());

type Part = { name: string; value: string } | { name: string; filename: string; type: string; data: Buffer };

/** A multipart body as a browser builds it (an empty file input is a part with filename=""). */
function multipart(parts: Part[]): { body: Buffer; type: string } {
  const boundary = `----pagesTest${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const head =
      'value' in part
        ? `Content-Disposition: form-data; name="${part.name}"\r\n\r\n`
        : `Content-Disposition: form-data; name="${part.name}"; filename="${part.filename}"\r\nContent-Type: ${part.type}\r\n\r\n`;
    chunks.push(Buffer.from(`--${boundary}\r\n${head}`), 'value' in part ? Buffer.from(part.value) : part.data, Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), type: `multipart/form-data; boundary=${boundary}` };
}

function form(fields: Record<string, string>, file: { data: Buffer; filename?: string; type?: string } | null): Part[] {
  const parts: Part[] = Object.entries(fields).map(([name, value]) => ({ name, value }));
  parts.push(
    file
      ? { name: 'file', filename: file.filename ?? 'picture.png', type: file.type ?? 'image/png', data: file.data }
      : { name: 'file', filename: '', type: 'application/octet-stream', data: Buffer.alloc(0) },
  );
  return parts;
}

async function submit(parts: Part[], query = `?_csrf=${alice.csrf}`) {
  const { body, type } = multipart(parts);
  const res = await fetch(`${server.url}/assets${query}`, {
    method: 'POST',
    headers: { ...HTML, cookie: alice.jar.header(), 'content-type': type },
    body,
    redirect: 'manual',
  });
  return { status: res.status, location: res.headers.get('location'), text: await res.text() };
}

const stored = (data: Buffer) => {
  const hash = contentHashOf(data);
  return fs.existsSync(`${server.config.dataDir}/content/${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash}`);
};
const assetNamed = (name: string) => server.database.db('assets').where({ name }).first();

describe('GET /assets/new', () => {
  it('sends signed-out browsers to log in first', async () => {
    const res = await client(server.url).get('/assets/new', { headers: HTML });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/login?next=%2Fassets%2Fnew');
  });

  it('shows a multipart form whose action carries the CSRF token, with every field labelled', async () => {
    const res = await alice.page('/assets/new');
    expect(res.status).toBe(200);
    expect(res.text).toContain(`action="/assets?_csrf=${alice.csrf}" enctype="multipart/form-data"`);
    for (const id of ['name', 'asset_type', 'tags', 'description', 'file']) expect(res.text).toContain(`<label for="${id}">`);
    expect(res.text).toContain('<option value="video">video</option>');
  });

  it('still lets programs read an asset called "new"', async () => {
    const res = await client(server.url).get('/assets/new');
    expect(res.status).toBe(404);
    expect(res.body.error.message).toContain('No asset named "new"');
  });
});

describe('POST /assets from the form', () => {
  it('stores the bytes, registers the asset and redirects with 303 to its page', async () => {
    const data = randomBytes(3000);
    const res = await submit(
      form({ name: 'first-upload', asset_type: 'image', tags: 'Sky, #sun', description: 'Evening light' }, { data }),
    );
    expect(res.status).toBe(303);
    expect(res.location).toBe('/asset/first-upload');
    const row = await assetNamed('first-upload');
    expect(row).toMatchObject({ content_hash: contentHashOf(data), size_bytes: 3000, media_type: 'image/png', tags: ['sky', 'sun'] });
    expect(row.description).toBe('Evening light');
    const content = await fetch(`${server.url}/assets/first-upload/content`);
    expect(Buffer.from(await content.arrayBuffer()).equals(data)).toBe(true);
    const page = await alice.page('/asset/first-upload');
    expect(page.text).toContain('<img class="asset-media" src="/assets/first-upload/content" alt="first-upload">');
  });

  it('refuses a missing file with 400, keeping the typed values and asking to choose the file again', async () => {
    const res = await submit(form({ name: 'no-file', asset_type: 'video', tags: 'a, b', description: 'kept text' }, null));
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/<p class="field-error" id="file-error">Choose a file to upload\.<\/p>/);
    expect(res.text).toContain('Choose the file again');
    expect(res.text).toContain('value="no-file"');
    expect(res.text).toContain('<option value="video" selected>');
    expect(res.text).toContain('value="a, b"');
    expect(res.text).toMatch(/<textarea id="description"[^>]*>kept text<\/textarea>/);
    expect(await assetNamed('no-file')).toBeUndefined();
  });

  it('refuses a bad name with 400 next to the name field, and keeps no bytes', async () => {
    const data = randomBytes(2000);
    const res = await submit(form({ name: 'Bad Name!', asset_type: 'image', tags: '', description: '' }, { data }));
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/id="name" name="name" type="text" value="Bad Name!"[^>]*aria-invalid="true"/);
    expect(res.text).toMatch(/<p class="field-error" id="name-error">Name must be 1-100 characters/);
    expect(stored(data)).toBe(false);
  });

  it('refuses bad tags with 400, showing the offending tag escaped', async () => {
    const data = randomBytes(2000);
    const res = await submit(
      form({ name: 'tagged', asset_type: 'image', tags: 'ok, <script>alert(1)</script>', description: '' }, { data }),
    );
    expect(res.status).toBe(400);
    expect(res.text).toContain('id="tags-error"');
    expect(res.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(res.text).not.toContain('<script>alert(1)');
    expect(stored(data)).toBe(false);
  });

  it('refuses a taken name with 409 next to the name field', async () => {
    const data = randomBytes(2000);
    const res = await submit(
      form({ name: 'first-upload', asset_type: 'image', tags: '', description: '"><img src=x onerror=alert(1)>' }, { data }),
    );
    expect(res.status).toBe(409);
    expect(res.text).toMatch(/<p class="field-error" id="name-error">The asset name &quot;first-upload&quot; is already taken/);
    expect(res.text).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</textarea>');
    expect(res.text).not.toContain('<img src=x');
    expect(stored(data)).toBe(false);
  });

  it("refuses content that is already registered with 409 next to the file, keeping the owner's copy", async () => {
    const data = randomBytes(1500);
    expect((await submit(form({ name: 'original', asset_type: 'image' }, { data }))).status).toBe(303);
    const res = await submit(form({ name: 'copy', asset_type: 'image' }, { data }));
    expect(res.status).toBe(409);
    expect(res.text).toMatch(/id="file-error">Content [0-9a-f]{64} is already registered by @alice@l2\.test as &quot;original&quot;/);
    expect(stored(data)).toBe(true);
    expect(await assetNamed('copy')).toBeUndefined();
  });

  it('refuses a file over the size limit with 413 next to the file, keeping the other values', async () => {
    const res = await submit(
      form({ name: 'too-big', asset_type: 'audio', tags: 'loud' }, { data: randomBytes(100 * 1024), type: 'audio/mpeg' }),
    );
    expect(res.status).toBe(413);
    expect(res.text).toContain('id="file-error"');
    expect(res.text).toContain('value="too-big"');
    expect(res.text).toContain('value="loud"');
    expect(await assetNamed('too-big')).toBeUndefined();
  });

  it('refuses an upload without the CSRF token (403) and registers nothing', async () => {
    const data = randomBytes(1000);
    const res = await submit(form({ name: 'forged', asset_type: 'image' }, { data }), '');
    expect(res.status).toBe(403);
    expect(res.text).toContain('CSRF');
    const wrong = await submit(form({ name: 'forged', asset_type: 'image' }, { data }), `?_csrf=${'x'.repeat(43)}`);
    expect(wrong.status).toBe(403);
    expect(await assetNamed('forged')).toBeUndefined();
  });

  it('keeps answering programs in JSON, with missing_file for an upload without a file', async () => {
    const { body, type } = multipart(form({ name: 'api-no-file', asset_type: 'image' }, null));
    const token = (await client(server.url).post('/auth/login', { json: { username: 'alice', password: 'a good password' } })).body
      .access_token as string;
    const res = await client(server.url).post('/assets', { token, raw: body, headers: { 'content-type': type } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('missing_file');
  });
});
