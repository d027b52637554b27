// SQL for device_codes (RFC 8628): one row per login attempt from a device, found by code hash or user code.
import type { Db } from '../knex.js';

export interface DeviceCodeRow {
  id: number;
  device_code_hash: string;
  user_code: string;
  client_id: string;
  status: 'pending' | 'approved' | 'denied' | 'used';
  user_id: number | null;
  interval_seconds: number;
  last_polled_at: Date | null;
  created_at: Date;
  expires_at: Date;
}

export class DeviceCodesRepository {
  constructor(private readonly db: Db) {}

  async create(
    row: Pick<DeviceCodeRow, 'device_code_hash' | 'user_code' | 'client_id' | 'interval_seconds' | 'expires_at'>,
  ): Promise<DeviceCodeRow | null> {
    const rows = await this.db('device_codes').insert(row).onConflict('user_code').ignore().returning('*');
    return (rows[0] as DeviceCodeRow | undefined) ?? null;
  }

  async byDeviceCode(hash: string): Promise<DeviceCodeRow | null> {
    return ((await this.db('device_codes').where({ device_code_hash: hash }).first()) as DeviceCodeRow | undefined) ?? null;
  }

  async byUserCode(userCode: string): Promise<DeviceCodeRow | null> {
    return ((await this.db('device_codes').where({ user_code: userCode }).first()) as DeviceCodeRow | undefined) ?? null;
  }

  /** Records a poll; returns the milliseconds since the previous one (null for the first), atomically. */
  async poll(id: number): Promise<number | null> {
    const result = (await this.db.raw(
      `UPDATE device_codes d SET last_polled_at = clock_timestamp()
         FROM (SELECT last_polled_at FROM device_codes WHERE id = ? FOR UPDATE) prev
        WHERE d.id = ?
       RETURNING EXTRACT(EPOCH FROM clock_timestamp() - prev.last_polled_at) * 1000 AS since_ms`,
      [id, id],
    )) as { rows: { since_ms: string | number | null }[] };
    const since = result.rows[0]?.since_ms;
    return since === null || since === undefined ? null : Number(since);
  }

  async slowDown(id: number): Promise<void> {
    await this.db('device_codes').where({ id }).increment('interval_seconds', 5);
  }

  /** Moves a pending code to approved/denied; false when it was no longer pending. */
  async decide(id: number, status: 'approved' | 'denied', userId: number): Promise<boolean> {
    return (await this.db('device_codes').where({ id, status: 'pending' }).update({ status, user_id: userId })) > 0;
  }

  /** Hands out an approved code's token once: false when it was already used. */
  async use(id: number): Promise<boolean> {
    return (await this.db('device_codes').where({ id, status: 'approved' }).update({ status: 'used' })) > 0;
  }
}
