// zod → JSON Schema 2020-12 (the dialect of OpenAPI 3.1) for the document. Schemas that carry an id
// (`.meta({ id })`) become components.schemas entries, referenced wherever they appear.
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';

export type JsonSchema = Record<string, unknown>;

const DEFS = '#/$defs/';
export const COMPONENT_SCHEMAS = '#/components/schemas/';

/**
 * zod bounds every `.int()` by ±Number.MAX_SAFE_INTEGER; those bounds say nothing to a reader (and Swagger UI
 * shows them as example values), so they are left out.
 */
function dropSafeIntegerBounds(schema: JsonSchema): void {
  if (schema.minimum === Number.MIN_SAFE_INTEGER) delete schema.minimum;
  if (schema.maximum === Number.MAX_SAFE_INTEGER) delete schema.maximum;
}

/** Points every `#/$defs/X` reference at `#/components/schemas/X`. */
function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      key === '$ref' && typeof inner === 'string' && inner.startsWith(DEFS)
        ? COMPONENT_SCHEMAS + inner.slice(DEFS.length)
        : rewriteRefs(inner),
    ]),
  );
}

export class SchemaCollector {
  readonly components: Record<string, JsonSchema> = {};

  /**
   * The JSON Schema of what a client sends (io 'input': before transforms and defaults, which is what goes over
   * the wire). Response schemas have no transforms, so the same view describes them. Refinements and transforms
   * cannot be expressed and are left out (`unrepresentable: 'any'`); their messages still come back in a 400.
   */
  convert(schema: z.ZodType): JsonSchema {
    const converted = z.toJSONSchema(schema, {
      io: 'input',
      target: 'draft-2020-12',
      unrepresentable: 'any',
      override: ({ jsonSchema }) => dropSafeIntegerBounds(jsonSchema as JsonSchema),
    }) as JsonSchema;
    const { $schema: _dialect, $defs, ...root } = converted;
    for (const [id, def] of Object.entries(($defs ?? {}) as Record<string, JsonSchema>)) {
      // zod names unnamed shared parts itself (`__schema0`); those names would clash between operations.
      if (id.startsWith('__')) throw new Error(`A schema used twice in one place needs an id (.meta({ id })): ${JSON.stringify(def)}`);
      const component = rewriteRefs(def) as JsonSchema;
      const existing = this.components[id];
      if (existing && !isDeepStrictEqual(existing, component)) throw new Error(`Two different schemas share the id ${id}.`);
      this.components[id] = component;
    }
    return rewriteRefs(root) as JsonSchema;
  }

  /** The schema itself when `schema` is a reference to a component. */
  resolve(schema: JsonSchema): JsonSchema {
    const ref = schema.$ref;
    if (typeof ref !== 'string' || !ref.startsWith(COMPONENT_SCHEMAS)) return schema;
    const target = this.components[ref.slice(COMPONENT_SCHEMAS.length)];
    if (!target) throw new Error(`Unresolved schema reference ${ref}.`);
    return target;
  }
}
