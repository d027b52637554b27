// Builds the OpenAPI 3.1 document from the operation registry: paths from the routes, JSON Schemas from the zod
// schemas the handlers validate with, the shared error body, and the two ways to authenticate.
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import { CSRF_COOKIE, SESSION_COOKIE } from '../cookies.js';
import { errorBody } from './common-schemas.js';
import { SchemaCollector, type JsonSchema } from './json-schema.js';
import type { ApiOperation, ResponseSpec } from './operation.js';
import { API_OPERATIONS } from './operations/index.js';
import { API_DESCRIPTION, ERROR_DESCRIPTIONS, TAGS } from './texts.js';

const packageJson = JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

const SESSION_SECURITY = [{ bearerAuth: [] }, { sessionCookie: [] }];

/** `/assets/:name` → `/assets/{name}` */
export function toOpenApiPath(koaPath: string): string {
  return koaPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function parameters(op: ApiOperation, schemas: SchemaCollector): JsonSchema[] {
  const list: JsonSchema[] = [];
  for (const [, name] of op.path.matchAll(/:([A-Za-z0-9_]+)/g)) {
    const schema = op.params?.[name!];
    if (!schema) throw new Error(`${op.method.toUpperCase()} ${op.path}: no schema for the path parameter ${name}.`);
    const { description, ...rest } = schemas.convert(schema);
    list.push({ name, in: 'path', required: true, ...(description ? { description } : {}), schema: rest });
  }
  if (op.query) {
    const object = schemas.resolve(schemas.convert(op.query));
    const required = new Set((object.required as string[] | undefined) ?? []);
    for (const [name, property] of Object.entries((object.properties ?? {}) as Record<string, JsonSchema>)) {
      const { description, ...rest } = property;
      list.push({ name, in: 'query', required: required.has(name), ...(description ? { description } : {}), schema: rest });
    }
  }
  for (const [name, description] of Object.entries(op.requestHeaders ?? {})) {
    list.push({ name, in: 'header', required: false, description, schema: { type: 'string' } });
  }
  return list;
}

function requestBody(op: ApiOperation, schemas: SchemaCollector): JsonSchema | undefined {
  if (!op.body && !op.upload) return undefined;
  const content: Record<string, JsonSchema> = {};
  if (op.body) {
    const schema = schemas.convert(op.body);
    for (const type of op.bodyTypes ?? ['application/json']) content[type] = { schema };
  }
  if (op.upload) content['multipart/form-data'] = { schema: schemas.convert(op.upload) };
  return { required: true, content };
}

function response(spec: ResponseSpec, html: boolean, schemas: SchemaCollector): JsonSchema {
  const content: Record<string, JsonSchema> = {};
  if (spec.schema || spec.contentType)
    content[spec.contentType ?? 'application/json'] = spec.schema ? { schema: schemas.convert(spec.schema) } : {};
  if (html) content['text/html'] = { schema: { type: 'string', description: 'The page, for browsers (Accept: text/html).' } };
  const headers = Object.fromEntries(
    Object.entries(spec.headers ?? {}).map(([name, description]) => [name, { description, schema: { type: 'string' } }]),
  );
  return {
    description: spec.description,
    ...(Object.keys(headers).length ? { headers } : {}),
    ...(Object.keys(content).length ? { content } : {}),
  };
}

/** The error statuses an operation can answer: those it names, and those its input and auth imply. */
function errorStatuses(op: ApiOperation): number[] {
  const statuses = new Set(op.errors ?? []);
  if (op.params || op.query || op.body || op.upload) statuses.add(400);
  // The body parser refuses bodies over the limit and types it cannot read.
  if (op.body || op.upload) [413, 415].forEach((status) => statuses.add(status));
  if (op.auth === 'session') statuses.add(401);
  // A cookie session must echo the CSRF token on unsafe methods, or the answer is 403 csrf_failed.
  if (op.auth === 'session' && op.method !== 'get') statuses.add(403);
  return [...statuses].sort((a, b) => a - b);
}

function operationObject(op: ApiOperation, schemas: SchemaCollector, usedErrors: Set<number>): JsonSchema {
  const responses: Record<string, JsonSchema> = {};
  for (const [status, spec] of Object.entries(op.responses))
    responses[status] = response(spec, Boolean(op.html) && status === '200', schemas);
  for (const status of errorStatuses(op)) {
    if (responses[status]) continue;
    usedErrors.add(status);
    responses[status] = { $ref: `#/components/responses/Error${status}` };
  }
  const params = parameters(op, schemas);
  const body = requestBody(op, schemas);
  return {
    operationId: op.operationId,
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    tags: op.tags,
    ...(op.auth === 'session' ? { security: SESSION_SECURITY } : {}),
    ...(params.length ? { parameters: params } : {}),
    ...(body ? { requestBody: body } : {}),
    responses,
  };
}

export function buildOpenApiDocument(publicUrl: string, operations: readonly ApiOperation[] = API_OPERATIONS): JsonSchema {
  const schemas = new SchemaCollector();
  const usedErrors = new Set<number>();
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const op of operations) {
    const path = (paths[toOpenApiPath(op.path)] ??= {});
    if (path[op.method]) throw new Error(`${op.method.toUpperCase()} ${op.path} is described twice.`);
    path[op.method] = operationObject(op, schemas, usedErrors);
  }
  const errorSchema = schemas.convert(errorBody);
  const responses = Object.fromEntries(
    [...usedErrors]
      .sort((a, b) => a - b)
      .map((status) => [
        `Error${status}`,
        { description: ERROR_DESCRIPTIONS[status] ?? `Error ${status}.`, content: { 'application/json': { schema: errorSchema } } },
      ]),
  );
  return {
    openapi: '3.1.0',
    info: { title: 'Art DAG L2 API', version: packageJson.version, description: API_DESCRIPTION },
    servers: [{ url: publicUrl, description: 'This server' }],
    tags: TAGS,
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(schemas.components).sort(([a], [b]) => a.localeCompare(b))),
      responses,
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'A session token from POST /auth/login or the device flow (POST /auth/device/token).',
        },
        sessionCookie: {
          type: 'apiKey',
          in: 'cookie',
          name: SESSION_COOKIE,
          description: `The browser session (set by the /login form). Unsafe methods (POST, PATCH, DELETE) must also send the X-CSRF-Token header with the value of the ${CSRF_COOKIE} cookie, or they are refused with 403 csrf_failed.`,
        },
      },
    },
  };
}

export interface ServedDocument {
  document: JsonSchema;
  json: string;
  etag: string;
}

const built = new Map<string, ServedDocument>();

/** The document for this server, built once per process (the registry never changes while it runs). */
export function openApiDocument(publicUrl: string): ServedDocument {
  let served = built.get(publicUrl);
  if (!served) {
    const document = buildOpenApiDocument(publicUrl);
    const json = JSON.stringify(document);
    served = { document, json, etag: `"${createHash('sha256').update(json).digest('hex').slice(0, 32)}"` };
    built.set(publicUrl, served);
  }
  return served;
}
