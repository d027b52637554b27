// Response shapes shared by many routes: the error body every failure carries (as written by
// middleware/error-handler.ts), and the documents whose shape a protocol defines rather than this API.
import { z } from 'zod';

export const fieldIssue = z
  .object({
    path: z.string().describe('The field, dotted for nested ones ("config.bucket"); "(body)" for the body as a whole.'),
    message: z.string().describe('What is wrong with it.'),
  })
  .meta({ id: 'FieldIssue' });

export const errorBody = z
  .object({
    error: z.object({
      code: z.string().describe('Stable and machine-readable: invalid_request, unauthorized, csrf_failed, not_found, conflict, ...'),
      message: z.string().describe('What was wrong and how to fix it, for people.'),
      details: z
        .object({ issues: z.array(fieldIssue).optional().describe('For invalid_request: one entry per invalid field.') })
        .catchall(z.unknown())
        .optional()
        .describe('Structured detail, when there is any.'),
      request_id: z.string().describe('The X-Request-Id of the request: the server log has it.'),
    }),
  })
  .meta({
    id: 'Error',
    description: 'Every error answer of the JSON API (browsers asking for text/html get an error page instead).',
  });

export const activityStreamsDocument = z
  .object({
    '@context': z.unknown(),
    id: z.string().describe('The object id (a URL on this server).'),
    type: z.string().describe('Person, Create, Update, OrderedCollection, Image, ...'),
  })
  .catchall(z.unknown())
  .meta({
    id: 'ActivityStreamsDocument',
    description: 'An ActivityStreams 2.0 document (https://www.w3.org/TR/activitystreams-core/), as ActivityPub servers exchange them.',
  });
