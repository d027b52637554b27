// ActivityPub and discovery, as the OpenAPI document describes them.
import {
  collectionQuery,
  inboxResponse,
  jrdResponse,
  keyRotatedResponse,
  nodeInfoLinksResponse,
  nodeInfoResponse,
  username,
  webfingerQuery,
} from '../../routes/federation/federation.schema.js';
import { activityStreamsDocument } from '../common-schemas.js';
import type { ApiOperation } from '../operation.js';

const ACTIVITY_JSON = 'application/activity+json';
const user = { name: username };

const collection = (what: string, operationId: string, path: string): ApiOperation => ({
  method: 'get',
  path,
  operationId,
  summary: `A user's ${what} (OrderedCollection)`,
  description: 'Without page parameters: the collection with its totalItems and first page link; with them, one OrderedCollectionPage.',
  tags: ['Federation'],
  auth: 'none',
  params: user,
  query: collectionQuery,
  responses: { 200: { description: 'The collection or one page of it.', schema: activityStreamsDocument, contentType: ACTIVITY_JSON } },
  errors: [404],
});

const inbox = {
  tags: ['Federation'],
  auth: 'none' as const,
  description:
    'For ActivityPub servers: the request must carry an HTTP Signature (draft-cavage or RFC 9421) by the actor, with a Digest of the body. The activity is verified and stored; what it causes happens in the background.',
  body: activityStreamsDocument,
  bodyTypes: [ACTIVITY_JSON, 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'],
  responses: { 202: { description: 'Verified and stored (or a known duplicate, or ignored).', schema: inboxResponse } },
  errors: [401, 403, 404],
};

export const FEDERATION_OPERATIONS: ApiOperation[] = [
  {
    method: 'get',
    path: '/.well-known/webfinger',
    operationId: 'webfinger',
    summary: 'WebFinger (RFC 7033): find an account',
    tags: ['Federation'],
    auth: 'none',
    query: webfingerQuery,
    responses: { 200: { description: 'The account and its actor URL.', schema: jrdResponse, contentType: 'application/jrd+json' } },
    errors: [404],
  },
  {
    method: 'get',
    path: '/.well-known/host-meta',
    operationId: 'hostMeta',
    summary: 'host-meta (RFC 6415): where WebFinger is',
    tags: ['Federation'],
    auth: 'none',
    responses: { 200: { description: 'An XRD document.', contentType: 'application/xrd+xml' } },
  },
  {
    method: 'get',
    path: '/.well-known/nodeinfo',
    operationId: 'nodeInfoLinks',
    summary: 'NodeInfo discovery',
    tags: ['Federation'],
    auth: 'none',
    responses: { 200: { description: 'Links to the NodeInfo documents.', schema: nodeInfoLinksResponse } },
  },
  {
    method: 'get',
    path: '/nodeinfo/2.1',
    operationId: 'nodeInfo',
    summary: 'NodeInfo 2.1: software, protocols and usage',
    tags: ['Federation'],
    auth: 'none',
    responses: {
      200: {
        description: 'The NodeInfo document.',
        schema: nodeInfoResponse,
        contentType: 'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.1#"',
      },
    },
  },
  {
    method: 'get',
    path: '/users/:name',
    operationId: 'getActor',
    summary: 'A user: the ActivityPub actor (Person)',
    description: 'ActivityPub clients get the Person document with its public key; browsers get the profile page.',
    tags: ['Federation'],
    auth: 'none',
    params: user,
    html: true,
    responses: { 200: { description: 'The actor.', schema: activityStreamsDocument, contentType: ACTIVITY_JSON } },
    errors: [404],
  },
  collection('outbox: the activities they published', 'getOutbox', '/users/:name/outbox'),
  collection('followers', 'getFollowers', '/users/:name/followers'),
  collection('following (always empty: L2 accounts publish and follow no one)', 'getFollowing', '/users/:name/following'),
  {
    method: 'post',
    path: '/users/:name/key/rotate',
    operationId: 'rotateKey',
    summary: "Rotate a user's signing key",
    description: 'Only the account itself may. Followers are sent an Update of the actor with the new key.',
    tags: ['Federation'],
    auth: 'session',
    params: user,
    responses: { 200: { description: 'The new key.', schema: keyRotatedResponse } },
    errors: [404],
  },
  { method: 'post', path: '/users/:name/inbox', operationId: 'postToInbox', summary: "A user's inbox", params: user, ...inbox },
  { method: 'post', path: '/inbox', operationId: 'postToSharedInbox', summary: 'The shared inbox', ...inbox },
];
