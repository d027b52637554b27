// fast-check arbitraries from the zod request schemas: objects with the right keys holding valid, wrong or hostile values.
import fc from 'fast-check';
import { z } from 'zod';

type Json = Record<string, unknown>;

/** URLs that look valid but can only ever reach loopback, so a value that passes validation starts no outbound traffic. */
const SAFE_URLS = ['http://127.0.0.1:9/', 'http://localhost:9', 'https://127.0.0.1:1/x?y=1', 'http://[::1]:9/', 'http://127.0.0.1:9/../..'];

/** Values no schema expects: wrong types, extremes, hostile strings and keys. */
export const nasty: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(null, true, false, 0, -0, -1, 1e308, -1e308, 2 ** 53, 0.5, '', ' ', '0', 'null', 'true', '[]', '{}'),
  fc.constantFrom('__proto__', 'constructor', 'toString', '../../etc/passwd', '%00', '\u0000', '\ud800', '<script>alert(1)</script>'),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.string({ unit: 'binary', maxLength: 50 }),
  fc.integer({ min: 1000, max: 70_000 }).map((n) => 'x'.repeat(n)),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 50 }),
  fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'prototype', 'a', 'type'), fc.jsonValue({ maxDepth: 2 })),
);

/** The input JSON Schema of a zod schema, with $refs into its own $defs resolved on the way down. */
export function jsonSchemaOf(schema: z.ZodType): { root: Json; defs: Record<string, Json> } {
  const root = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  return { root, defs: (root.$defs ?? {}) as Record<string, Json> };
}

function resolve(schema: Json, defs: Record<string, Json>): Json {
  const ref = schema.$ref;
  return typeof ref === 'string' ? resolve(defs[ref.split('/').pop()!] ?? {}, defs) : schema;
}

function stringFor(s: Json): fc.Arbitrary<unknown> {
  if (typeof s.pattern === 'string') {
    try {
      return fc.stringMatching(new RegExp(s.pattern));
    } catch {
      // A pattern fast-check cannot generate from: fall through to plain strings.
    }
  }
  if (s.format === 'uri') return fc.constantFrom(...SAFE_URLS);
  if (s.format === 'email') return fc.emailAddress();
  return fc.string({ minLength: Number(s.minLength ?? 0), maxLength: Math.min(Number(s.maxLength ?? 40), 200) });
}

/** Real values for fields by name (a user, an L1 URL), offered next to the generated ones so handlers find something. */
export type Hints = Record<string, readonly string[]>;

/** Values that satisfy (or nearly satisfy) one JSON Schema, so a request can get past validation into the handler. */
export function validish(schema: Json, defs: Record<string, Json>, depth = 0): fc.Arbitrary<unknown> {
  const s = resolve(schema, defs);
  if ('const' in s) return fc.constant(s.const);
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
  const alternatives = (s.anyOf ?? s.oneOf) as Json[] | undefined;
  if (alternatives) return fc.oneof(...alternatives.map((alt) => validish(alt, defs, depth)));
  if (depth > 3) return nasty;
  switch (s.type) {
    case 'string':
      return stringFor(s);
    case 'integer':
      return fc.integer({ min: Math.max(Number(s.minimum ?? -1000), -(2 ** 31)), max: Math.min(Number(s.maximum ?? 1000), 2 ** 31) });
    case 'number':
      return fc.double({ min: Number(s.minimum ?? -1000), max: Number(s.maximum ?? 1000), noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(s.items ? validish(s.items as Json, defs, depth + 1) : nasty, { maxLength: 5 });
    case 'object':
      return validObject(s, defs, {}, depth + 1);
    default:
      return nasty;
  }
}

/** The property names an object schema (or a union of them) knows, with the schema of each. */
export function propertiesOf(schema: Json, defs: Record<string, Json>): Map<string, Json[]> {
  const s = resolve(schema, defs);
  const found = new Map<string, Json[]>();
  for (const alt of ((s.anyOf ?? s.oneOf ?? []) as Json[]).map((a) => resolve(a, defs))) {
    for (const [name, schemas] of propertiesOf(alt, defs)) found.set(name, [...(found.get(name) ?? []), ...schemas]);
  }
  for (const [name, prop] of Object.entries((s.properties ?? {}) as Record<string, Json>)) {
    found.set(name, [...(found.get(name) ?? []), prop]);
  }
  return found;
}

const fieldValue = (name: string, schemas: Json[], defs: Record<string, Json>, hints: Hints, depth: number) =>
  fc.oneof(...schemas.map((p) => validish(p, defs, depth)), ...(hints[name]?.length ? [fc.constantFrom(...hints[name])] : []));

/** An object meant to pass validation: one alternative of a union, its required keys, each value valid-ish. */
export function validObject(schema: Json, defs: Record<string, Json>, hints: Hints = {}, depth = 0): fc.Arbitrary<Json> {
  const s = resolve(schema, defs);
  const alternatives = (s.anyOf ?? s.oneOf) as Json[] | undefined;
  if (alternatives) return fc.oneof(...alternatives.map((alt) => validObject(alt, defs, hints, depth)));
  const props = (s.properties ?? {}) as Record<string, Json>;
  // Properties a schema forbids (`not: {}`) are left out: sending them is the mixed generator's job.
  const allowed = Object.entries(props).filter(([, p]) => !('not' in p));
  const fields = Object.fromEntries(allowed.map(([name, p]) => [name, fieldValue(name, [p], defs, hints, depth)]));
  const required = ((s.required ?? []) as string[]).filter((name) => name in fields);
  return fc.record(fields, { requiredKeys: required });
}

/** An object with the schema's keys (any may be missing), each valid-ish or nasty, and now and then an extra key. */
export function mixedObject(schema: Json, defs: Record<string, Json>, hints: Hints = {}): fc.Arbitrary<Json> {
  const props = propertiesOf(schema, defs);
  const fields = Object.fromEntries(
    [...props].map(([name, schemas]) => [
      name,
      fc.oneof({ weight: 3, arbitrary: fieldValue(name, schemas, defs, hints, 0) }, { weight: 1, arbitrary: nasty }),
    ]),
  );
  return fc
    .tuple(
      fc.record(fields, { requiredKeys: [] }),
      fc.option(fc.dictionary(fc.string({ maxLength: 10 }), nasty, { maxKeys: 3 }), { freq: 4 }),
    )
    .map(([record, extra]) => ({ ...(extra ?? {}), ...record }));
}

/** Half the time an object that should validate (so handlers run), half the time one with wrong or hostile values. */
export function objectOf(schema: Json, defs: Record<string, Json>, hints: Hints = {}): fc.Arbitrary<Json> {
  return fc.oneof(validObject(schema, defs, hints), mixedObject(schema, defs, hints));
}

const queryText = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom('-1', '0', '1e9', 'NaN', 'abc', '', '\u0000'),
);

/** Query pairs: valid values (or absent) half the time; otherwise odd text, repeated keys and unknown keys too. */
export function queryOf(schema: z.ZodType | undefined, hints: Hints = {}): fc.Arbitrary<Array<[string, string]>> {
  const random = fc.array(fc.tuple(fc.string({ maxLength: 8 }), queryText), { maxLength: 4 });
  if (!schema) return random;
  const { root, defs } = jsonSchemaOf(schema);
  const known = [...propertiesOf(root, defs)];
  const valid = fc.tuple(
    ...known.map(([name, schemas]) =>
      fc.option(
        fieldValue(name, schemas, defs, hints, 0).map((v): [string, string] => [name, String(v)]),
        { freq: 2 },
      ),
    ),
  );
  const mixed = fc.tuple(
    ...known.map(([name, schemas]) =>
      fc
        .oneof(
          fieldValue(name, schemas, defs, hints, 0).map((v) => [String(v)]),
          queryText.map((v) => [v]),
          fc.array(queryText, { minLength: 2, maxLength: 3 }),
          fc.constant([] as string[]),
        )
        .map((values) => values.map((v): [string, string] => [name, v])),
    ),
  );
  return fc.oneof(
    valid.map((pairs) => pairs.filter((p): p is [string, string] => p !== null)),
    fc.tuple(mixed, random).map(([pairs, extra]) => [...pairs.flat(), ...extra]),
  );
}
