// SQL for storage_providers (per-user backends; secrets sealed) and asset_pins (each asset on each provider).
import type { Db } from '../knex.js';

export type ProviderType = 'local' | 's3' | 'ipfs';

export interface ProviderRow {
  id: number;
  user_id: number;
  name: string;
  provider_type: ProviderType;
  config: Record<string, unknown>;
  secrets_encrypted: Buffer | null;
  enabled: boolean;
  priority: number;
  created_at: Date;
  updated_at: Date;
  last_test_at: Date | null;
  last_test_ok: boolean | null;
  last_test_message: string | null;
}

export interface PinRow {
  id: number;
  asset_id: number;
  provider_id: number;
  provider_name: string;
  provider_type: ProviderType;
  status: 'pending' | 'pinned' | 'failed';
  location: string | null;
  cid: string | null;
  attempts: number;
  last_error: string | null;
  pinned_at: Date | null;
}

export class StorageProvidersRepository {
  constructor(private readonly db: Db) {}

  async forUser(userId: number): Promise<ProviderRow[]> {
    return (await this.db('storage_providers')
      .where({ user_id: userId })
      .orderBy([{ column: 'priority', order: 'desc' }, 'id'])) as ProviderRow[];
  }

  async find(id: number): Promise<ProviderRow | null> {
    return ((await this.db('storage_providers').where({ id }).first()) as ProviderRow | undefined) ?? null;
  }

  /** Inserts, or returns null when the user already has a provider of that name. */
  async create(
    row: Pick<ProviderRow, 'user_id' | 'name' | 'provider_type' | 'config' | 'secrets_encrypted' | 'enabled' | 'priority'>,
  ): Promise<ProviderRow | null> {
    const rows = await this.db('storage_providers')
      .insert({ ...row, config: JSON.stringify(row.config) })
      .onConflict(['user_id', 'name'])
      .ignore()
      .returning('*');
    return (rows[0] as ProviderRow | undefined) ?? null;
  }

  async update(
    id: number,
    fields: Partial<Pick<ProviderRow, 'name' | 'config' | 'secrets_encrypted' | 'enabled' | 'priority'>>,
  ): Promise<void> {
    const row: Record<string, unknown> = { ...fields, updated_at: this.db.fn.now() };
    if (fields.config) row.config = JSON.stringify(fields.config);
    await this.db('storage_providers').where({ id }).update(row);
  }

  async remove(id: number): Promise<void> {
    await this.db('storage_providers').where({ id }).delete();
  }

  async recordTest(id: number, ok: boolean, message: string): Promise<void> {
    await this.db('storage_providers')
      .where({ id })
      .update({ last_test_at: this.db.fn.now(), last_test_ok: ok, last_test_message: message });
  }

  // asset_pins

  async planPins(assetId: number, providerIds: number[]): Promise<void> {
    if (providerIds.length === 0) return;
    await this.db('asset_pins')
      .insert(providerIds.map((provider_id) => ({ asset_id: assetId, provider_id })))
      .onConflict(['asset_id', 'provider_id'])
      .ignore();
  }

  async recordPin(
    assetId: number,
    providerId: number,
    outcome: { status: PinRow['status']; location?: string | null; cid?: string | null; error?: string | null },
  ): Promise<void> {
    await this.db('asset_pins')
      .where({ asset_id: assetId, provider_id: providerId })
      .update({
        status: outcome.status,
        location: outcome.location ?? null,
        cid: outcome.cid ?? null,
        last_error: outcome.error ?? null,
        attempts: this.db.raw('attempts + 1'),
        pinned_at: outcome.status === 'pinned' ? this.db.fn.now() : null,
        updated_at: this.db.fn.now(),
      });
  }

  async pinsFor(assetId: number): Promise<PinRow[]> {
    return (await this.db('asset_pins as p')
      .join('storage_providers as s', 's.id', 'p.provider_id')
      .where('p.asset_id', assetId)
      .orderBy('p.id')
      .select('p.*', 's.name as provider_name', 's.provider_type')) as PinRow[];
  }

  /** The CID an IPFS provider stored a content hash under. */
  async cidFor(providerId: number, contentHash: string): Promise<string | null> {
    const row = (await this.db('asset_pins as p')
      .join('assets as a', 'a.id', 'p.asset_id')
      .where({ 'p.provider_id': providerId, 'a.content_hash': contentHash, 'p.status': 'pinned' })
      .first('p.cid')) as { cid: string | null } | undefined;
    return row?.cid ?? null;
  }
}
