// Readiness: whether the database and Temporal answer, each within a short deadline.

export type Probe = () => Promise<void>;

export interface Readiness {
  status: 'ok' | 'unavailable';
  database: 'ok' | string;
  temporal: 'ok' | string;
}

const TIMEOUT_MS = 2000;

async function check(probe: Probe): Promise<'ok' | string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
      }),
    ]);
    return 'ok';
  } catch (err) {
    return `unavailable: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
  } finally {
    clearTimeout(timer);
  }
}

export class ReadinessService {
  constructor(private readonly probes: { database: Probe; temporal: Probe }) {}

  async check(): Promise<Readiness> {
    const [database, temporal] = await Promise.all([check(this.probes.database), check(this.probes.temporal)]);
    return { status: database === 'ok' && temporal === 'ok' ? 'ok' : 'unavailable', database, temporal };
  }
}
