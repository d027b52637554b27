// Every JSON route of the API, by area: the registry the OpenAPI document is built from. A route that serves only
// browsers belongs in html-only-routes.ts instead; a test checks that each registered route is in one of them.
import type { ApiOperation } from '../operation.js';
import { ACTIVITY_OPERATIONS } from './activities.operations.js';
import { ANCHOR_OPERATIONS } from './anchors.operations.js';
import { ASSET_OPERATIONS } from './assets.operations.js';
import { AUTH_OPERATIONS } from './auth.operations.js';
import { FEDERATION_OPERATIONS } from './federation.operations.js';
import { META_OPERATIONS } from './meta.operations.js';
import { RENDERER_OPERATIONS } from './renderers.operations.js';
import { STORAGE_OPERATIONS } from './storage.operations.js';

export const API_OPERATIONS: readonly ApiOperation[] = [
  ...ASSET_OPERATIONS,
  ...AUTH_OPERATIONS,
  ...RENDERER_OPERATIONS,
  ...STORAGE_OPERATIONS,
  ...ANCHOR_OPERATIONS,
  ...ACTIVITY_OPERATIONS,
  ...FEDERATION_OPERATIONS,
  ...META_OPERATIONS,
];
