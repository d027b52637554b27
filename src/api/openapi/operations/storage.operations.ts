// Storage providers, as the OpenAPI document describes them.
import { idParam } from '../../routes/storage/storage.pages.js';
import {
  diagnosisResponse,
  providerInput,
  providerListResponse,
  providerPatch,
  providerResponse,
} from '../../routes/storage/storage.schema.js';
import type { ApiOperation } from '../operation.js';

const id = { id: idParam };

export const STORAGE_OPERATIONS: ApiOperation[] = [
  {
    method: 'get',
    path: '/storage',
    operationId: 'listStorageProviders',
    summary: "The caller's storage providers",
    tags: ['Storage'],
    auth: 'session',
    html: true,
    responses: { 200: { description: 'Secrets are masked.', schema: providerListResponse } },
  },
  {
    method: 'post',
    path: '/storage/add',
    operationId: 'addStorageProvider',
    summary: 'Add a storage provider',
    tags: ['Storage'],
    auth: 'session',
    body: providerInput,
    responses: { 201: { description: 'Added.', schema: providerResponse } },
    errors: [409],
  },
  {
    method: 'get',
    path: '/storage/:id',
    operationId: 'getStorageProvider',
    summary: 'Read a storage provider',
    tags: ['Storage'],
    auth: 'session',
    params: id,
    responses: { 200: { description: 'Secrets are masked.', schema: providerResponse } },
    errors: [404],
  },
  {
    method: 'patch',
    path: '/storage/:id',
    operationId: 'updateStorageProvider',
    summary: 'Change a storage provider',
    tags: ['Storage'],
    auth: 'session',
    params: id,
    body: providerPatch,
    responses: { 200: { description: 'As changed.', schema: providerResponse } },
    errors: [404, 409],
  },
  {
    method: 'delete',
    path: '/storage/:id',
    operationId: 'deleteStorageProvider',
    summary: 'Delete a storage provider',
    tags: ['Storage'],
    auth: 'session',
    params: id,
    responses: { 204: { description: 'Deleted.' } },
    errors: [404],
  },
  {
    method: 'post',
    path: '/storage/:id/test',
    operationId: 'testStorageProvider',
    summary: 'Test the connection to a storage provider',
    description: 'Writes, reads and removes a small probe; the result says which step failed and why.',
    tags: ['Storage'],
    auth: 'session',
    params: id,
    responses: { 200: { description: 'The diagnosis (ok or not).', schema: diagnosisResponse } },
    errors: [404],
  },
];
