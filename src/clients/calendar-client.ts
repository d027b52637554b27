// OpenTimestamps calendar API: POST /digest stamps a digest, GET /timestamp/<commitment> returns the
// upgraded timestamp once it is in Bitcoin (404 while pending). Answers are parsed, never trusted blindly.
import { OtsFormatError, parseTimestamp, type Timestamp } from '../domain/ots/index.js';
import type { GuardedHttpClient } from './guarded-fetch.js';

const OTS_MEDIA_TYPE = 'application/vnd.opentimestamps.v1';
const MAX_TIMESTAMP_BYTES = 10_000;

export class CalendarError extends Error {
  constructor(
    readonly calendar: string,
    message: string,
  ) {
    super(`${calendar}: ${message}`);
    this.name = 'CalendarError';
  }
}

export class CalendarClient {
  constructor(
    private readonly http: GuardedHttpClient,
    private readonly timeoutMs = 10_000,
  ) {}

  /** Stamps a 32-byte digest; the answer is a timestamp whose message is that digest. */
  async submit(calendar: string, digest: Buffer): Promise<Timestamp> {
    const bytes = await this.call(calendar, `${calendar}/digest`, 'POST', digest);
    if (bytes === null) throw new CalendarError(calendar, 'answered 404 to POST /digest');
    return this.parse(calendar, bytes, digest);
  }

  /** The upgraded timestamp of a pending commitment, or null while the calendar is still waiting for Bitcoin. */
  async upgrade(calendar: string, commitment: Buffer): Promise<Timestamp | null> {
    const bytes = await this.call(calendar, `${calendar}/timestamp/${commitment.toString('hex')}`, 'GET');
    return bytes === null ? null : this.parse(calendar, bytes, commitment);
  }

  private async call(calendar: string, url: string, method: 'GET' | 'POST', body?: Buffer): Promise<Buffer | null> {
    let res;
    try {
      res = await this.http.request(url, {
        method,
        headers: { accept: OTS_MEDIA_TYPE, ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
        body,
        timeoutMs: this.timeoutMs,
        maxBytes: MAX_TIMESTAMP_BYTES,
      });
    } catch (err) {
      throw new CalendarError(calendar, (err as Error).message);
    }
    if (res.status === 404) {
      await res.discard();
      return null;
    }
    if (res.status !== 200) {
      await res.discard();
      throw new CalendarError(calendar, `answered HTTP ${res.status}`);
    }
    const type = res.headers['content-type'] ?? '';
    if (type.includes('text/html')) {
      await res.discard();
      throw new CalendarError(calendar, 'answered 200 with HTML instead of a timestamp');
    }
    try {
      return await res.bytes();
    } catch (err) {
      throw new CalendarError(calendar, (err as Error).message);
    }
  }

  private parse(calendar: string, bytes: Buffer, msg: Buffer): Timestamp {
    try {
      return parseTimestamp(bytes, msg);
    } catch (err) {
      if (err instanceof OtsFormatError) throw new CalendarError(calendar, `answered garbage: ${err.message}`);
      throw err;
    }
  }
}
