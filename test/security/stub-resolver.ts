// A stub DNS for SSRF tests: names answer what the test says, in turn, and every lookup is recorded.
import type { Resolver } from '../../src/clients/guarded-fetch.js';

/** A stub DNS: each name answers from its list of answers in turn (the last one repeats), and every ask is logged. */
export function stubResolver(table: Record<string, string[][]>): { resolve: Resolver; asked: string[] } {
  const asked: string[] = [];
  const resolve: Resolver = async (hostname) => {
    const answers = table[hostname];
    const turn = asked.filter((h) => h === hostname).length;
    asked.push(hostname);
    if (!answers) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    const addresses = answers[Math.min(turn, answers.length - 1)]!;
    return addresses.map((address) => ({ address, family: address.includes(':') ? (6 as const) : (4 as const) }));
  };
  return { resolve, asked };
}
