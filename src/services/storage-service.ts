// Users' storage providers: sealed credentials, masked views, real connection tests, and the providers
// themselves. The server's own content store (local disk) is where every verified upload lands first.
import type { Readable } from 'node:stream';
import { Conflict, NotFound } from '../domain/errors.js';
import { open, seal } from '../domain/secret-box.js';
import type { ProviderRow, ProviderType, StorageProvidersRepository } from '../db/repositories/storage-providers-repository.js';
import type { ByteRange, Diagnosis, StorageProvider } from '../storage/storage-provider.js';
import type { StorageOutbound } from '../storage/storage-outbound.js';
import { LocalStorageProvider } from '../storage/local-provider.js';
import { S3StorageProvider } from '../storage/s3-provider.js';
import { IpfsStorageProvider } from '../storage/ipfs-provider.js';

export interface ProviderView {
  id: number;
  name: string;
  type: ProviderType;
  enabled: boolean;
  priority: number;
  config: Record<string, unknown>;
  /** Which secrets are set, masked: never the values. */
  secrets: Record<string, string>;
  created_at: string;
  updated_at: string;
  last_test: { at: string; ok: boolean; message: string } | null;
}

export interface NewProvider {
  name: string;
  type: ProviderType;
  enabled?: boolean;
  priority?: number;
  config?: Record<string, unknown>;
  secrets?: Record<string, unknown>;
}

function mask(key: string, value: unknown): string {
  const text = String(value);
  return key === 'access_key_id' && text.length > 8 ? `${text.slice(0, 4)}…${text.slice(-4)}` : '********';
}

export class StorageService {
  constructor(
    private readonly repo: StorageProvidersRepository,
    readonly serverStore: LocalStorageProvider,
    private readonly key: Buffer,
    /** The SSRF guard for users' endpoints, with the operator's STORAGE_PRIVATE_HOSTS exceptions. */
    private readonly outbound: StorageOutbound,
  ) {}

  close(): Promise<void> {
    return this.outbound.close();
  }

  view(row: ProviderRow): ProviderView {
    const secrets = row.secrets_encrypted ? (JSON.parse(open(row.secrets_encrypted, this.key)) as Record<string, unknown>) : {};
    return {
      id: row.id,
      name: row.name,
      type: row.provider_type,
      enabled: row.enabled,
      priority: row.priority,
      config: row.config,
      secrets: Object.fromEntries(Object.entries(secrets).map(([k, v]) => [k, mask(k, v)])),
      created_at: row.created_at.toISOString(),
      updated_at: row.updated_at.toISOString(),
      last_test: row.last_test_at
        ? { at: row.last_test_at.toISOString(), ok: row.last_test_ok!, message: row.last_test_message ?? '' }
        : null,
    };
  }

  async list(userId: number): Promise<ProviderView[]> {
    return (await this.repo.forUser(userId)).map((row) => this.view(row));
  }

  /** The user's provider; another user's id answers 404 exactly like a missing one. */
  async owned(userId: number, id: number): Promise<ProviderRow> {
    const row = await this.repo.find(id);
    if (!row || row.user_id !== userId) throw new NotFound(`No storage provider ${id}.`);
    return row;
  }

  async create(userId: number, input: NewProvider): Promise<ProviderView> {
    const config = this.normalise(input.type, input.config ?? {});
    const secrets = input.secrets && Object.keys(input.secrets).length ? seal(JSON.stringify(input.secrets), this.key) : null;
    const row = await this.repo.create({
      user_id: userId,
      name: input.name,
      provider_type: input.type,
      config,
      secrets_encrypted: secrets,
      enabled: input.enabled ?? true,
      priority: input.priority ?? 0,
    });
    if (!row) throw new Conflict(`You already have a storage provider named "${input.name}".`, { field: 'name' }, 'name_taken');
    return this.view(row);
  }

  async update(userId: number, id: number, patch: Partial<Omit<NewProvider, 'type'>>): Promise<ProviderView> {
    const row = await this.owned(userId, id);
    const fields: Parameters<StorageProvidersRepository['update']>[1] = {};
    if (patch.name !== undefined) fields.name = patch.name;
    if (patch.enabled !== undefined) fields.enabled = patch.enabled;
    if (patch.priority !== undefined) fields.priority = patch.priority;
    if (patch.config !== undefined) fields.config = this.normalise(row.provider_type, { ...row.config, ...patch.config });
    if (patch.secrets !== undefined) {
      const current = row.secrets_encrypted ? (JSON.parse(open(row.secrets_encrypted, this.key)) as Record<string, unknown>) : {};
      fields.secrets_encrypted = seal(JSON.stringify({ ...current, ...patch.secrets }), this.key);
    }
    if (fields.name && (await this.repo.forUser(userId)).some((p) => p.name === fields.name && p.id !== id)) {
      throw new Conflict(`You already have a storage provider named "${fields.name}".`, { field: 'name' }, 'name_taken');
    }
    await this.repo.update(id, fields);
    return this.view((await this.repo.find(id))!);
  }

  async remove(userId: number, id: number): Promise<void> {
    await this.owned(userId, id);
    await this.repo.remove(id);
  }

  async test(userId: number, id: number): Promise<Diagnosis> {
    const row = await this.owned(userId, id);
    let diagnosis: Diagnosis;
    try {
      diagnosis = await (await this.provider(row)).test();
    } catch (err) {
      diagnosis = { ok: false, failure: 'other', message: (err as Error).message, checks: [] };
    }
    await this.repo.recordTest(id, diagnosis.ok, diagnosis.message);
    return diagnosis;
  }

  async enabled(userId: number): Promise<ProviderRow[]> {
    return (await this.repo.forUser(userId)).filter((row) => row.enabled);
  }

  /** The backend for a provider row, with its credentials unsealed just for this use. */
  async provider(row: ProviderRow): Promise<StorageProvider> {
    const secrets = row.secrets_encrypted ? (JSON.parse(open(row.secrets_encrypted, this.key)) as Record<string, string>) : {};
    const config = row.config as Record<string, string | boolean | undefined>;
    switch (row.provider_type) {
      case 'local':
        return this.serverStore;
      case 's3': {
        // Checked again at use: IP literals skip the agents' lookup, and STORAGE_PRIVATE_HOSTS may have changed.
        const endpoint =
          config.endpoint === undefined ? undefined : this.outbound.checkEndpoint(config.endpoint as string, 'config.endpoint');
        return new S3StorageProvider(
          {
            endpoint,
            region: config.region as string,
            bucket: config.bucket as string,
            prefix: (config.prefix as string | undefined) ?? '',
            forcePathStyle: Boolean(config.force_path_style),
            accessKeyId: secrets.access_key_id!,
            secretAccessKey: secrets.secret_access_key!,
          },
          this.outbound.agentsFor(endpoint),
        );
      }
      case 'ipfs': {
        const apiUrl = config.api_url as string;
        return new IpfsStorageProvider(
          { apiUrl, authorization: secrets.authorization },
          (contentHash: string) => this.repo.cidFor(row.id, contentHash),
          { http: this.outbound.httpFor(apiUrl) },
        );
      }
    }
  }

  /** Bytes of a content hash from the server store, else from the first provider that has them. */
  async open(contentHash: string, rows: ProviderRow[], range?: ByteRange): Promise<{ stream: Readable; size: number } | null> {
    for (const candidate of [this.serverStore, ...rows]) {
      try {
        const provider = candidate instanceof LocalStorageProvider ? candidate : await this.provider(candidate);
        const stat = await provider.stat(contentHash);
        if (!stat) continue;
        const stream = await provider.get(contentHash, range);
        if (stream) return { stream, size: stat.size };
      } catch {
        // An unhealthy provider: try the next one.
      }
    }
    return null;
  }

  private normalise(type: ProviderType, config: Record<string, unknown>): Record<string, unknown> {
    const out = { ...config };
    if (type === 's3' && typeof out.endpoint === 'string') out.endpoint = this.outbound.checkEndpoint(out.endpoint, 'config.endpoint');
    if (type === 'ipfs' && typeof out.api_url === 'string') out.api_url = this.outbound.checkEndpoint(out.api_url, 'config.api_url');
    return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
  }
}
