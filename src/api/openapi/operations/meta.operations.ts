// The server itself (home, health, readiness, this description, the CLI download), as the OpenAPI document
// describes it. /openapi.json describes itself; /docs (the page that shows it) is an HTML-only route.
import { clientInfoResponse } from '../../routes/download/download.schema.js';
import { healthResponse, readinessResponse } from '../../routes/health/health.schema.js';
import { instanceResponse } from '../../routes/home/home.schema.js';
import type { ApiOperation } from '../operation.js';

export const META_OPERATIONS: ApiOperation[] = [
  {
    method: 'get',
    path: '/',
    operationId: 'getInstance',
    summary: 'What this server is and how much it holds',
    tags: ['Meta'],
    auth: 'none',
    html: true,
    responses: { 200: { description: 'Name, URL and counts.', schema: instanceResponse } },
  },
  {
    method: 'get',
    path: '/health',
    operationId: 'health',
    summary: 'Liveness: the process answers',
    tags: ['Meta'],
    auth: 'none',
    responses: { 200: { description: 'Alive.', schema: healthResponse } },
  },
  {
    method: 'get',
    path: '/ready',
    operationId: 'ready',
    summary: 'Readiness: the database and Temporal answer',
    tags: ['Meta'],
    auth: 'none',
    responses: {
      200: { description: 'Ready.', schema: readinessResponse },
      503: { description: 'Not ready: says which dependency failed.', schema: readinessResponse },
    },
  },
  {
    method: 'get',
    path: '/metrics',
    operationId: 'metrics',
    summary: 'Prometheus metrics: requests, latency, deliveries, anchors, workflow failures, process',
    description:
      'Prometheus text exposition format 0.0.4. For a scraper, send `METRICS_TOKEN` as the Bearer token; the ' +
      "operator's session works too. Delivery, anchor and workflow counts are read at scrape time and cached for a few seconds.",
    tags: ['Meta'],
    auth: 'session',
    responses: { 200: { description: 'The metrics.', contentType: 'text/plain; version=0.0.4' } },
    errors: [403],
  },
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'openApiDocument',
    summary: 'This description (OpenAPI 3.1)',
    description: 'The interactive reference built from it is at /docs.',
    tags: ['Meta'],
    auth: 'none',
    responses: {
      200: { description: 'The OpenAPI document.', contentType: 'application/json', headers: { ETag: 'Changes when the API does.' } },
    },
  },
  {
    method: 'get',
    path: '/download/client',
    operationId: 'getClientInfo',
    summary: 'The artdag command-line client: version, checksum and where to get it',
    tags: ['Meta'],
    auth: 'none',
    html: true,
    responses: { 200: { description: 'About the client file.', schema: clientInfoResponse } },
    errors: [503],
  },
  {
    method: 'get',
    path: '/download/client/artdag.mjs',
    operationId: 'downloadClient',
    summary: 'Download the artdag client (one JavaScript file for Node.js 20+)',
    tags: ['Meta'],
    auth: 'none',
    responses: { 200: { description: 'The client.', contentType: 'text/javascript', headers: { ETag: 'Its checksum.' } } },
    errors: [503],
  },
];
