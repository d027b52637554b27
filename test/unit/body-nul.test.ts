// Request bodies with NUL characters are refused up front, whatever the route, in JSON and in forms.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/domain/errors.js';
import { bodyParser } from '../../src/api/middleware/body-parser.js';

let server: http.Server;
let url: string;

beforeAll(async () => {
  const app = new Koa();
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      ctx.status = err instanceof AppError ? err.status : 500;
      ctx.body = { code: err instanceof AppError ? err.code : 'internal' };
    }
  });
  app.use(bodyParser(1024 * 1024));
  app.use((ctx) => {
    ctx.body = { ok: true };
  });
  server = http.createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function post(type: string, body: string): Promise<{ status: number; body: { code?: string; ok?: boolean } }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': type }, body });
  return { status: res.status, body: (await res.json()) as { code?: string; ok?: boolean } };
}

describe('NUL characters in request bodies', () => {
  it.each([
    ['a JSON value', '{"description":"a\\u0000b"}'],
    ['a JSON key', '{"a\\u0000":1}'],
    ['a string deep in arrays', `${'['.repeat(5000)}"\\u0000"${']'.repeat(5000)}`],
  ])('refuses %s with 400 invalid_text', async (_what, body) => {
    expect(await post('application/json', body)).toEqual({ status: 400, body: { code: 'invalid_text' } });
  });

  it('refuses a form field holding %00', async () => {
    expect(await post('application/x-www-form-urlencoded', 'name=a%00b')).toEqual({ status: 400, body: { code: 'invalid_text' } });
  });

  it('accepts text without NUL, including an escaped backslash before u0000', async () => {
    expect(await post('application/json', '{"description":"C:\\\\u0000 is fine","n":[1,2,{"x":"y"}]}')).toEqual({
      status: 200,
      body: { ok: true },
    });
    expect(await post('application/json', JSON.stringify({ items: Array.from({ length: 200_000 }, () => 0) }))).toEqual({
      status: 200,
      body: { ok: true },
    });
  });
});
