// Validates input with a zod schema and turns every issue into one 400 that names the fields.
import type { z } from 'zod';
import { BadRequest, UnsupportedMediaType } from '../domain/errors.js';
import type { AppContext } from './context.js';

export interface FieldIssue {
  path: string;
  message: string;
}

export function fieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.join('.') || '(body)', message: issue.message }));
}

export function validate<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'path' = 'body'): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = fieldIssues(result.error);
  const summary = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
  throw new BadRequest(`Invalid request ${where}: ${summary}`, { issues }, 'invalid_request');
}

/** The parsed JSON or form body, or a 415 when the request sent none of those. */
export function bodyOf(ctx: AppContext): unknown {
  if (ctx.request.body === undefined) {
    throw new UnsupportedMediaType('Send a JSON body (Content-Type: application/json) or a form (application/x-www-form-urlencoded).');
  }
  return ctx.request.body;
}
