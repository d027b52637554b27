// The OpenAPI document as built from the operation registry: a valid OpenAPI 3.1 description whose request
// schemas accept and refuse what the zod schemas behind them accept and refuse.
import fs from 'node:fs';
import SwaggerParser from '@apidevtools/swagger-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildOpenApiDocument, toOpenApiPath } from '../../src/api/openapi/document.js';
import { SchemaCollector } from '../../src/api/openapi/json-schema.js';
import { API_OPERATIONS } from '../../src/api/openapi/operations/index.js';
import { ASSET_NAME_PATTERN } from '../../src/domain/asset-rules.js';
import { registerAssetBody } from '../../src/api/routes/assets/assets.schema.js';
import { registerBody } from '../../src/api/routes/auth/auth.schema.js';
import { providerInput } from '../../src/api/routes/storage/storage.schema.js';

const doc = buildOpenApiDocument('https://l2.example') as any;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const operations = Object.entries(doc.paths).flatMap(([path, item]: [string, any]) =>
  METHODS.filter((m) => item[m]).map((method) => ({ path, method, op: item[method] })),
);

/** Every `$ref` in the document, with where it was found. */
function refs(value: unknown, at = '#'): { ref: string; at: string }[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => refs(v, `${at}/${i}`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => (k === '$ref' ? [{ ref: String(v), at }] : refs(v, `${at}/${k}`)));
}

function pointer(ref: string): unknown {
  return ref
    .slice(2)
    .split('/')
    .reduce<any>((node, part) => node?.[part.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
}

/** Validates request bodies against the document's schema for one component, as a client-side validator would. */
function documentValidator(component: string) {
  const ajv = new Ajv2020({ strict: false, validateFormats: false });
  return ajv.compile({ $ref: `#/components/schemas/${component}`, components: doc.components });
}

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 description', async () => {
    expect(doc.openapi).toBe('3.1.0');
    await expect(SwaggerParser.validate(structuredClone(doc))).resolves.toBeTruthy();
  });

  it('names the package version and the server it describes', () => {
    const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(doc.info.version).toBe(pkg.version);
    expect(doc.servers).toEqual([{ url: 'https://l2.example', description: 'This server' }]);
  });

  it('gives every operation a unique id, a known tag and at least one success and one error response', () => {
    const ids = operations.map((o) => o.op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    const tags = new Set(doc.tags.map((t: { name: string }) => t.name));
    for (const { path, method, op } of operations) {
      const statuses = Object.keys(op.responses);
      expect(
        statuses.some((s) => /^[23]/.test(s)),
        `${method} ${path}`,
      ).toBe(true);
      for (const tag of op.tags) expect(tags.has(tag), `${method} ${path} tag ${tag}`).toBe(true);
    }
  });

  it('resolves every $ref', () => {
    const found = refs(doc);
    expect(found.length).toBeGreaterThan(100);
    expect(found.filter(({ ref }) => !ref.startsWith('#/') || pointer(ref) === undefined)).toEqual([]);
  });

  it('declares each path parameter, and protects session routes with both ways to authenticate', () => {
    for (const { path, method, op } of operations) {
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      const declared = (op.parameters ?? [])
        .filter((p: any) => p.in === 'path')
        .map((p: any) => p.name)
        .sort();
      expect(declared, `${method} ${path}`).toEqual(inPath);
      if (op.security) expect(op.security).toEqual([{ bearerAuth: [] }, { sessionCookie: [] }]);
      if (op.security) expect(op.responses['401'], `${method} ${path}`).toEqual({ $ref: '#/components/responses/Error401' });
    }
    expect(doc.components.securitySchemes.sessionCookie).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'artdag_session' });
  });

  it('describes errors with the body the error handler writes', () => {
    expect(doc.components.schemas.Error.required).toEqual(['error']);
    expect(doc.components.schemas.Error.properties.error.required).toEqual(['code', 'message', 'request_id']);
    expect(doc.paths['/assets'].post.responses['400']).toEqual({ $ref: '#/components/responses/Error400' });
    expect(doc.components.responses.Error400.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
  });

  it('takes its request schemas from the zod schemas the handlers validate with', () => {
    expect(doc.components.schemas.AssetName.pattern).toBe(ASSET_NAME_PATTERN.source);
    expect(doc.paths['/assets'].post.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/RegisterAssetBody',
    });
    expect(toOpenApiPath('/users/:name/key/rotate')).toBe('/users/{name}/key/rotate');
    expect(API_OPERATIONS.every((op) => doc.paths[toOpenApiPath(op.path)]?.[op.method])).toBe(true);
  });

  it.each([
    ['RegisterAssetBody', registerAssetBody, { name: 'sunset.png', content_hash: 'a'.repeat(64), asset_type: 'image' }, true],
    ['RegisterAssetBody', registerAssetBody, { name: 'Sunset Photo', content_hash: 'a'.repeat(64), asset_type: 'image' }, false],
    ['RegisterAssetBody', registerAssetBody, { name: 'sunset', content_hash: 'not-a-hash', asset_type: 'image' }, false],
    ['RegisterAssetBody', registerAssetBody, { name: 'sunset', content_hash: `sha3-256:${'A'.repeat(64)}`, asset_type: 'image' }, true],
    ['RegisterAssetBody', registerAssetBody, { name: 'sunset', content_hash: 'a'.repeat(64), asset_type: 'painting' }, false],
    ['RegisterAssetBody', registerAssetBody, { name: 'sunset', content_hash: 'a'.repeat(64), asset_type: 'image', tags: 'a,b' }, true],
    ['RegisterAccountBody', registerBody, { username: 'alice', password: 'a good password' }, true],
    ['RegisterAccountBody', registerBody, { username: 'Alice!', password: 'a good password' }, false],
    ['RegisterAccountBody', registerBody, { username: 'alice', password: 'short' }, false],
    ['NewStorageProvider', providerInput, { name: 'home', type: 'local' }, true],
    ['NewStorageProvider', providerInput, { name: 'cloud', type: 's3', config: { region: 'us-east-1', bucket: 'b' }, secrets: {} }, false],
    ['NewStorageProvider', providerInput, { name: 'cloud', type: 'ftp' }, false],
  ])('agrees with zod on %s %j', (component, schema, body, valid) => {
    expect(schema.safeParse(body).success).toBe(valid);
    expect(documentValidator(component)(body)).toBe(valid);
  });
});

describe('SchemaCollector', () => {
  it('moves schemas with an id into components and points references at them', () => {
    const collector = new SchemaCollector();
    const colour = z.enum(['red', 'blue']).meta({ id: 'TestColour' });
    expect(collector.convert(z.object({ colour }))).toEqual({
      type: 'object',
      properties: { colour: { $ref: '#/components/schemas/TestColour' } },
      required: ['colour'],
    });
    expect(collector.components.TestColour).toEqual({ type: 'string', enum: ['red', 'blue'] });
  });

  it('refuses two different schemas under one id', () => {
    const collector = new SchemaCollector();
    collector.convert(z.object({ a: z.string().meta({ id: 'TestClash' }) }));
    expect(() => collector.convert(z.object({ b: z.number().meta({ id: 'TestClash' }) }))).toThrow(/TestClash/);
  });
});
