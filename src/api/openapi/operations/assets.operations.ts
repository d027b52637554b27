// The asset registry and the long asset jobs, as the OpenAPI document describes them.
import { z } from 'zod';
import {
  assetName,
  assetPageResponse,
  assetResponse,
  listAssetsQuery,
  patchAssetBody,
  registerAssetBody,
  uploadFields,
} from '../../routes/assets/assets.schema.js';
import {
  jobStartedResponse,
  jobStatusResponse,
  publishCacheBody,
  recordRunBody,
  runLookupQuery,
  waitQuery,
} from '../../routes/assets/jobs.schema.js';
import type { ApiOperation } from '../operation.js';

const name = { name: assetName };
const located = { Location: 'The asset: /assets/{name}.' };

// The upload form: the registration fields and the file (the server computes the content hash).
const uploadBody = uploadFields
  .extend({ file: z.file().describe('The content; its SHA3-256 becomes the content hash.') })
  .meta({ id: 'AssetUpload' });

// Path parameters the handlers look up as given (any string; an unknown one is a 404).
const runId = z.string().describe('The run id on the L1 server.');
const jobId = z.string().describe('The job_id from the 202 answer.');

const jobResponses = {
  201: { description: 'Done within the wait: the registered asset.', schema: assetResponse, headers: located },
  202: { description: 'Still running: poll the status URL.', schema: jobStartedResponse, headers: { Location: 'The status URL.' } },
};

export const ASSET_OPERATIONS: ApiOperation[] = [
  {
    method: 'post',
    path: '/assets',
    operationId: 'registerAsset',
    summary: 'Register an asset',
    description:
      'Registers content by its hash (JSON or form), or uploads the file itself as multipart/form-data (the server hashes, stores and pins it; a cookie-authenticated upload puts the CSRF token in the `_csrf` query parameter). Registering the same name and hash again is idempotent (200).',
    tags: ['Assets'],
    auth: 'session',
    body: registerAssetBody,
    upload: uploadBody,
    responses: {
      201: { description: 'Registered.', schema: assetResponse, headers: located },
      200: { description: 'Already registered with this name and hash: nothing changed.', schema: assetResponse, headers: located },
    },
    errors: [409],
  },
  {
    method: 'get',
    path: '/assets',
    operationId: 'listAssets',
    summary: 'List assets',
    description: 'Newest first; filter by owner, type, tag, or search names and tags with q.',
    tags: ['Assets'],
    auth: 'none',
    query: listAssetsQuery,
    html: true,
    responses: { 200: { description: 'One page of assets.', schema: assetPageResponse } },
  },
  {
    method: 'get',
    path: '/assets/by-run-id/:runId',
    operationId: 'getAssetByRun',
    summary: 'Find the asset recorded from an L1 run',
    tags: ['Assets'],
    auth: 'none',
    params: { runId },
    query: runLookupQuery,
    responses: { 200: { description: 'The asset.', schema: assetResponse } },
    errors: [404],
  },
  {
    method: 'get',
    path: '/assets/:name',
    operationId: 'getAsset',
    summary: 'Read an asset',
    description: 'Browsers (Accept: text/html) are redirected to its page, /asset/{name}.',
    tags: ['Assets'],
    auth: 'none',
    params: name,
    responses: {
      200: { description: 'The asset.', schema: assetResponse },
      302: { description: 'For browsers: its page.', headers: { Location: '/asset/{name}' } },
    },
    errors: [404],
  },
  {
    method: 'patch',
    path: '/assets/:name',
    operationId: 'updateAsset',
    summary: "Change an asset's description, tags or type",
    description: 'Only the owner may; the change is announced to followers as an Update activity.',
    tags: ['Assets'],
    auth: 'session',
    params: name,
    body: patchAssetBody,
    responses: { 200: { description: 'The asset as changed.', schema: assetResponse } },
    errors: [404],
  },
  {
    method: 'get',
    path: '/assets/:name/content',
    operationId: 'getAssetContent',
    summary: "An asset's content",
    description: "The bytes, from this server or one of the owner's storage providers; single byte ranges are supported.",
    tags: ['Assets'],
    auth: 'none',
    params: name,
    requestHeaders: { Range: 'One byte range, e.g. bytes=0-1023.' },
    responses: {
      200: {
        description:
          'The content: pictures, sound, video and plain text in their media type, shown inline; anything else as application/octet-stream to download (SVG keeps its type), so nothing stored runs as a page or script here.',
        contentType: 'application/octet-stream',
        headers: { ETag: 'The content hash, quoted.', 'Accept-Ranges': 'bytes' },
      },
      206: {
        description: 'The requested range.',
        contentType: 'application/octet-stream',
        headers: { 'Content-Range': 'bytes start-end/size' },
      },
    },
    errors: [404, 416],
  },
  {
    method: 'post',
    path: '/assets/record-run',
    operationId: 'recordRun',
    summary: 'Record the output of an L1 run as an asset',
    description:
      'Fetches the run from the L1 server, checks the output hash, pins it and registers it with its provenance. Repeating the request attaches to the same job. `wait` may also be given in the query.',
    tags: ['Jobs'],
    auth: 'session',
    body: recordRunBody,
    query: waitQuery,
    responses: jobResponses,
    errors: [403, 409],
  },
  {
    method: 'post',
    path: '/assets/publish-cache',
    operationId: 'publishCache',
    summary: 'Publish an L1 cache item as an asset',
    tags: ['Jobs'],
    auth: 'session',
    body: publishCacheBody,
    query: waitQuery,
    responses: jobResponses,
    errors: [403, 409],
  },
  {
    method: 'get',
    path: '/jobs/:id',
    operationId: 'getJob',
    summary: 'Progress and result of a job',
    description: 'Only the user who started the job may read it.',
    tags: ['Jobs'],
    auth: 'session',
    params: { id: jobId },
    responses: { 200: { description: 'Where the job is.', schema: jobStatusResponse } },
    errors: [404],
  },
];
