// Friendly error pages for browsers, plain JSON errors for programs, and nothing internal in either.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let api: ReturnType<typeof client>;
const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

beforeAll(async () => {
  server = await startTestServer();
  api = client(server.url);
});
afterAll(() => server.stop());

describe('error pages', () => {
  it('answers an unknown page with a 404 page that links back into the site, escaping the path', async () => {
    const res = await api.get('/no/such/<script>alert(1)</script>', { headers: HTML });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('vary')).toContain('Accept');
    expect(res.text).toMatch(/<h1>[^<]*not found<\/h1>/i);
    expect(res.text).toContain('href="/assets"');
    expect(res.text).not.toContain('<script>alert(1)</script>');
    expect(res.text).toContain('/no/such/%3Cscript%3Ealert(1)%3C/script%3E');
  });

  it('tells a signed-out browser to log in, and comes back to the page afterwards', async () => {
    const res = await api.get('/storage', { headers: HTML });
    expect(res.status).toBe(401);
    expect(res.text).toContain('href="/login?next=%2Fstorage"');
  });

  describe('when something breaks inside', () => {
    beforeAll(() => server.database.db.raw('ALTER TABLE assets RENAME TO assets_away'));
    afterAll(() => server.database.db.raw('ALTER TABLE assets_away RENAME TO assets'));

    it('shows browsers a 500 page with the request id and no internals', async () => {
      const res = await api.get('/assets', { headers: HTML });
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toContain('text/html');
      const requestId = res.headers.get('x-request-id');
      expect(requestId).toBeTruthy();
      expect(res.text).toContain(requestId!);
      expect(res.text).toContain('Please try again');
      expect(res.text).not.toMatch(/assets_away|relation|stack|at [A-Za-z]+ \(/);
    });

    it('answers programs with a JSON 500 that carries only a code, a message and the request id', async () => {
      const res = await api.get('/assets');
      expect(res.status).toBe(500);
      expect(Object.keys(res.body.error).sort()).toEqual(['code', 'message', 'request_id']);
      expect(res.body.error.code).toBe('internal_error');
      expect(JSON.stringify(res.body)).not.toContain('assets_away');
    });
  });
});
