// Request schemas for storage providers: one shape per backend type, for JSON and for the HTML form.
import { z } from 'zod';

const name = z
  .string({ error: 'is required (a string)' })
  .trim()
  .min(1, { error: 'is required' })
  .max(60, { error: 'must be at most 60 characters' });
const url = z.string({ error: 'is required (a URL)' }).url({ error: 'must be an http(s) URL' });
const common = {
  name,
  enabled: z.boolean({ error: 'must be true or false' }).optional(),
  priority: z.number().int().min(-100).max(100).optional(),
};

export const s3Config = z.object(
  {
    endpoint: url.optional(),
    region: z.string({ error: 'is required' }).regex(/^[a-z0-9-]{1,40}$/, { error: 'must be a region name such as us-east-1' }),
    bucket: z
      .string({ error: 'is required' })
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: 'must be a valid bucket name (3-63 characters of a-z, 0-9, . and -)' }),
    prefix: z
      .string()
      .regex(/^[A-Za-z0-9!_.*'()/-]{0,200}$/, { error: 'may only hold S3-safe key characters' })
      .refine((p) => !p.split('/').includes('..'), { error: 'must not contain ".."' })
      .optional(),
    force_path_style: z.boolean().optional(),
  },
  { error: 'must be an object' },
);
export const s3Secrets = z.object(
  {
    access_key_id: z.string({ error: 'is required' }).min(1, { error: 'is required' }),
    secret_access_key: z.string({ error: 'is required' }).min(1, { error: 'is required' }),
  },
  { error: 'must hold access_key_id and secret_access_key' },
);
export const ipfsConfig = z.object({ api_url: url }, { error: 'must be an object with api_url' });
export const ipfsSecrets = z.object({ authorization: z.string().min(1).optional() }, { error: 'must be an object' });

export const providerInput = z
  .discriminatedUnion(
    'type',
    [
      z.object({ ...common, type: z.literal('local'), config: z.object({}).optional(), secrets: z.object({}).optional() }),
      z.object({ ...common, type: z.literal('s3'), config: s3Config, secrets: s3Secrets }),
      z.object({ ...common, type: z.literal('ipfs'), config: ipfsConfig, secrets: ipfsSecrets.optional() }),
    ],
    { error: 'type must be one of local, s3, ipfs' },
  )
  .meta({
    id: 'NewStorageProvider',
    description: 'A provider of one type (local, s3 or ipfs): its config, and its secrets (stored encrypted, never shown again).',
  });
export type ProviderInput = z.output<typeof providerInput>;

export const providerPatch = z
  .object(
    {
      name: name.optional(),
      enabled: z.boolean({ error: 'must be true or false' }).optional(),
      priority: z.number().int().min(-100).max(100).optional(),
      config: z.record(z.string(), z.unknown()).optional(),
      secrets: z.record(z.string(), z.unknown()).optional(),
      type: z.never({ error: 'cannot be changed: add a new provider instead' }).optional(),
    },
    { error: 'must be an object' },
  )
  .refine((p) => Object.keys(p).length > 0, { error: 'nothing to change' })
  .meta({ id: 'StorageProviderPatch', description: 'The fields to change (at least one); the type never changes.' });

/**
 * What a JSON PATCH may leave a provider with: the config as merged with the stored one, checked whole against its
 * type (as when it was added, so no ".." prefix or path-bearing bucket name slips in), and secrets of its type.
 */
export function patchedSettings(type: 'local' | 's3' | 'ipfs') {
  if (type === 's3') return z.object({ config: s3Config.optional(), secrets: s3Secrets.partial().optional() });
  if (type === 'ipfs') return z.object({ config: ipfsConfig.optional(), secrets: ipfsSecrets.optional() });
  return z.object({ config: z.object({}).optional(), secrets: z.object({}).optional() });
}

/** The flat HTML form (one field per input) turned into the JSON shape. */
export function fromForm(form: Record<string, unknown>): unknown {
  const text = (key: string) => (typeof form[key] === 'string' && form[key] !== '' ? (form[key] as string) : undefined);
  const type = text('type');
  const base = {
    name: text('name'),
    type,
    enabled: form.enabled === undefined ? undefined : form.enabled === 'on' || form.enabled === 'true',
  };
  if (type === 's3') {
    return {
      ...base,
      config: {
        endpoint: text('endpoint'),
        region: text('region'),
        bucket: text('bucket'),
        prefix: text('prefix'),
        force_path_style: form.force_path_style === 'on',
      },
      secrets: { access_key_id: text('access_key_id'), secret_access_key: text('secret_access_key') },
    };
  }
  if (type === 'ipfs')
    return {
      ...base,
      config: { api_url: text('api_url') },
      secrets: text('authorization') ? { authorization: text('authorization') } : undefined,
    };
  return base;
}

/** The edit form's shape for a provider of one type: the type is fixed, and blank secret fields keep the stored ones. */
export function editInput(type: 'local' | 's3' | 'ipfs') {
  const base = { name, enabled: z.boolean() };
  if (type === 's3') return z.object({ ...base, config: s3Config, secrets: s3Secrets.partial().optional() });
  if (type === 'ipfs') return z.object({ ...base, config: ipfsConfig, secrets: ipfsSecrets.optional() });
  return z.object(base);
}

/** The flat edit form turned into editInput's shape (an unticked checkbox sends nothing: disabled). */
export function editFromForm(type: 'local' | 's3' | 'ipfs', form: Record<string, unknown>): unknown {
  const parsed = fromForm({ ...form, type }) as { name?: string; config?: unknown; secrets?: Record<string, unknown> };
  const secrets = Object.fromEntries(Object.entries(parsed.secrets ?? {}).filter(([, v]) => v !== undefined));
  return {
    name: parsed.name,
    enabled: form.enabled === 'on' || form.enabled === 'true',
    config: parsed.config,
    secrets: Object.keys(secrets).length ? secrets : undefined,
  };
}

// Response shapes (documentation, checked against real answers by the OpenAPI tests).

export const providerResponse = z
  .object({
    id: z.number().int(),
    name: z.string(),
    type: z.enum(['local', 's3', 'ipfs']),
    enabled: z.boolean(),
    priority: z.number().int(),
    config: z.record(z.string(), z.unknown()),
    secrets: z.record(z.string(), z.string()).describe('Which secrets are set, masked: never their values.'),
    created_at: z.string(),
    updated_at: z.string(),
    last_test: z.object({ at: z.string(), ok: z.boolean(), message: z.string() }).nullable(),
  })
  .meta({ id: 'StorageProvider' });

export const providerListResponse = z.object({ providers: z.array(providerResponse) }).meta({ id: 'StorageProviders' });

export const diagnosisResponse = z
  .object({
    ok: z.boolean(),
    failure: z.string().optional().describe('What failed, in a word a UI can switch on.'),
    message: z.string().describe('One sentence a person can act on.'),
    checks: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string() })),
  })
  .meta({ id: 'StorageDiagnosis' });
