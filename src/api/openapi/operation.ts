// What the OpenAPI document says about one JSON route. Each area lists its routes in operations/; the request
// schemas named here are the very objects its handlers pass to validate(), so the document cannot drift from them.
import type { z } from 'zod';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** `session`: a Bearer token, or the session cookie (then unsafe methods also need the CSRF token). */
export type Auth = 'none' | 'session';

export interface ResponseSpec {
  description: string;
  /** The body's shape; omitted for bodies without one (204, redirects) or that are bytes. */
  schema?: z.ZodType;
  /** application/json unless said otherwise; bytes and ActivityStreams documents name their own. */
  contentType?: string;
  /** Response header name → what it carries. */
  headers?: Record<string, string>;
}

export interface ApiOperation {
  method: Method;
  /** The path as the Koa router has it (`/assets/:name`); the document writes `/assets/{name}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  auth: Auth;
  /** One schema per path parameter. */
  params?: Record<string, z.ZodType>;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Media types the body may come in: JSON unless said otherwise (forms too where a page posts one). */
  bodyTypes?: string[];
  /** The fields of a multipart/form-data upload, when the route also takes one. */
  upload?: z.ZodType;
  /** Request header name → what it does. */
  requestHeaders?: Record<string, string>;
  responses: Record<number, ResponseSpec>;
  /** Error statuses beyond the implied ones (400 when there is input to validate, 401 for `session`). */
  errors?: number[];
  /** Browsers asking for text/html get a page at the same URL (content negotiation, Vary: Accept). */
  html?: boolean;
}
