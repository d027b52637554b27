// Activities and the objects they announce, as the OpenAPI document describes them.
import { activityRef } from '../../routes/anchors/anchors.schema.js';
import { activityPageResponse, listActivitiesQuery, objectHash } from '../../routes/activities/activities.schema.js';
import { activityStreamsDocument } from '../common-schemas.js';
import type { ApiOperation } from '../operation.js';

const ACTIVITY_JSON = 'application/activity+json';

const signedActivity = {
  description: 'The activity exactly as signed (its bytes never change: proofs are computed over them).',
  schema: activityStreamsDocument,
  contentType: ACTIVITY_JSON,
};

export const ACTIVITY_OPERATIONS: ApiOperation[] = [
  {
    method: 'get',
    path: '/activities',
    operationId: 'listActivities',
    summary: 'List activities',
    tags: ['Activities'],
    auth: 'none',
    query: listActivitiesQuery,
    html: true,
    responses: { 200: { description: 'Newest first.', schema: activityPageResponse } },
  },
  {
    method: 'get',
    path: '/activities/:ref',
    operationId: 'getActivity',
    summary: 'Read an activity',
    tags: ['Activities'],
    auth: 'none',
    params: { ref: activityRef },
    html: true,
    responses: { 200: signedActivity },
    errors: [404],
  },
  {
    method: 'get',
    path: '/activity/:ref',
    operationId: 'getActivityAlias',
    summary: 'Read an activity (the address its page links use)',
    tags: ['Activities'],
    auth: 'none',
    params: { ref: activityRef },
    html: true,
    responses: { 200: signedActivity },
    errors: [404],
  },
  {
    method: 'get',
    path: '/objects/:hash',
    operationId: 'getObject',
    summary: 'The ActivityStreams object of an asset',
    description: 'Browsers (Accept: text/html) are redirected to the asset page.',
    tags: ['Activities'],
    auth: 'none',
    params: { hash: objectHash },
    responses: {
      200: { description: 'The object (Image, Video, Audio or Document).', schema: activityStreamsDocument, contentType: ACTIVITY_JSON },
      302: { description: 'For browsers: the asset page.', headers: { Location: '/asset/{name}' } },
    },
    errors: [404],
  },
];
