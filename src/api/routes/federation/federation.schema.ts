// Schemas of the federation endpoints for the OpenAPI document. Their handlers parse input by hand (WebFinger and
// ActivityPub have their own error conventions), so the query schemas here describe that parsing; they are not
// passed to validate().
import { z } from 'zod';

export const webfingerQuery = z.object({
  resource: z.string().describe('acct:name@domain, or an actor URL on this server.'),
});

export const collectionQuery = z.object({
  page: z.string().optional().describe('Any value: answer a page of the collection rather than the collection.'),
  max_id: z
    .string()
    .regex(/^\d{1,15}$/)
    .optional()
    .describe("A page of items older than this cursor (from a page's next link)."),
  min_id: z
    .string()
    .regex(/^\d{1,15}$/)
    .optional()
    .describe("A page of items newer than this cursor (from a page's prev link)."),
});

export const username = z.string().meta({ id: 'LocalUsername', description: 'A user of this server.' });

export const jrdResponse = z
  .object({
    subject: z.string(),
    aliases: z.array(z.string()),
    links: z.array(z.object({ rel: z.string(), type: z.string().optional(), href: z.string() })),
  })
  .meta({ id: 'WebFingerJrd', description: 'RFC 7033 JSON Resource Descriptor.' });

export const nodeInfoLinksResponse = z
  .object({ links: z.array(z.object({ rel: z.string(), href: z.string() })) })
  .meta({ id: 'NodeInfoLinks' });

export const nodeInfoResponse = z
  .object({ version: z.literal('2.1'), software: z.object({ name: z.string(), version: z.string() }).catchall(z.unknown()) })
  .catchall(z.unknown())
  .meta({ id: 'NodeInfo', description: 'NodeInfo 2.1 (https://nodeinfo.diaspora.software/schema.html).' });

export const keyRotatedResponse = z
  .object({
    key_id: z.string().describe('The new key (publicKey.id of the actor).'),
    update_activity_id: z.string().describe('The Update activity that tells followers.'),
    followers_notified: z.number().int(),
  })
  .meta({ id: 'KeyRotated' });

export const inboxResponse = z
  .object({ status: z.enum(['accepted', 'duplicate', 'ignored']).describe('Stored; already received; or of no concern here.') })
  .meta({ id: 'InboxResult' });
