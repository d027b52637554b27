// The connections storage providers make to endpoints users typed in: public addresses only, except the exact
// host[:port] endpoints the operator lists in STORAGE_PRIVATE_HOSTS (an IPFS node or MinIO inside the stack).
// The exception lives here alone, so federation, L1 and calendar requests never see it.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { GuardedHttpClient } from '../clients/guarded-fetch.js';
import { defaultResolver, guardedLookup, isBlockedAddress, type Resolver } from '../clients/ip-ranges.js';
import { checkEndpoint, type GuardedAgents } from './outbound-guard.js';

export interface StorageOutboundOptions {
  /** Tests only: when true nothing is blocked by address. */
  allowPrivateNetwork: boolean;
  /** STORAGE_PRIVATE_HOSTS: `host` (any port) or `host:port` entries whose endpoints may resolve to private addresses. */
  privateHosts?: readonly string[];
  userAgent: string;
  /** Tests only: a stub DNS. */
  resolve?: Resolver;
  /** Tests only: replaces the public-unicast rule (e.g. to let one loopback address play a public server). */
  isAllowedAddress?: (ip: string) => boolean;
}

interface PrivateHost {
  /** As the URL parser writes it (lower case, canonical IP, no brackets), so comparisons are exact. */
  host: string;
  /** Undefined: any port. */
  port?: string;
}

const ENTRY = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?$/;

function bare(host: string): string {
  return host.replace(/^\[|\]$/g, '');
}

/** Parses STORAGE_PRIVATE_HOSTS entries; config.ts has already checked their shape. */
export function parsePrivateHosts(entries: readonly string[]): PrivateHost[] {
  return entries.map((entry) => {
    const match = ENTRY.exec(entry.trim());
    if (!match) throw new TypeError(`not a host[:port]: ${entry}`);
    return { host: bare(new URL(`http://${match[1]!}`).hostname), port: match[2] === undefined ? undefined : String(Number(match[2])) };
  });
}

function defaultPort(url: URL): string {
  return url.port || (url.protocol === 'https:' ? '443' : '80');
}

export class StorageOutbound {
  private readonly listed: PrivateHost[];
  private readonly resolve: Resolver;
  private readonly isPublic: (ip: string) => boolean;
  private readonly publicHttp: GuardedHttpClient;
  private publicAgents?: GuardedAgents;
  /** Per listed host name: clients and agents that may reach its private addresses and nothing else's. */
  private readonly privateHttp = new Map<string, GuardedHttpClient>();
  private readonly privateAgents = new Map<string, GuardedAgents>();

  constructor(private readonly options: StorageOutboundOptions) {
    this.listed = parsePrivateHosts(options.privateHosts ?? []);
    this.resolve = options.resolve ?? defaultResolver;
    this.isPublic = options.isAllowedAddress ?? ((ip) => !isBlockedAddress(ip));
    this.publicHttp = this.client(this.isPublic);
  }

  /** The listed host name of an endpoint, when the operator allowed it to be private. */
  private listedHost(endpoint: string | undefined): string | undefined {
    let url: URL;
    try {
      url = new URL(endpoint ?? '');
    } catch {
      return undefined;
    }
    const host = bare(url.hostname);
    return this.listed.some((entry) => entry.host === host && (entry.port === undefined || entry.port === defaultPort(url)))
      ? host
      : undefined;
  }

  /** Normalises an endpoint a user saves, refusing private IP literals unless that endpoint is listed. */
  checkEndpoint(url: string, field: string): string {
    return checkEndpoint(url, field, this.options.allowPrivateNetwork || this.listedHost(url) !== undefined);
  }

  /** The HTTP client for requests to this endpoint (the IPFS RPC API), which never follows redirects elsewhere. */
  httpFor(endpoint: string): GuardedHttpClient {
    const host = this.listedHost(endpoint);
    if (host === undefined || this.options.allowPrivateNetwork) return this.publicHttp;
    let client = this.privateHttp.get(host);
    if (!client) {
      // Any address of this one name (or this IP literal); every other host keeps the public rule.
      client = this.client((ip) => ip === host || this.isPublic(ip), host);
      this.privateHttp.set(host, client);
    }
    return client;
  }

  /** Agents for the S3 SDK talking to this endpoint (none: AWS); a listed host's private addresses pass, no other host's do. */
  agentsFor(endpoint: string | undefined): GuardedAgents {
    const host = this.listedHost(endpoint);
    if (host === undefined || this.options.allowPrivateNetwork) return (this.publicAgents ??= this.agents(() => false));
    let agents = this.privateAgents.get(host);
    if (!agents) {
      agents = this.agents((hostname) => bare(hostname).toLowerCase() === host);
      this.privateAgents.set(host, agents);
    }
    return agents;
  }

  async close(): Promise<void> {
    for (const agents of [this.publicAgents, ...this.privateAgents.values()]) {
      agents?.httpAgent.destroy();
      agents?.httpsAgent.destroy();
    }
    await Promise.all([this.publicHttp, ...this.privateHttp.values()].map((client) => client.close()));
  }

  private client(isAllowedAddress: (ip: string) => boolean, onlyHost?: string): GuardedHttpClient {
    const { resolve } = this;
    if (onlyHost === undefined) {
      return new GuardedHttpClient({
        allowPrivateNetwork: this.options.allowPrivateNetwork,
        userAgent: this.options.userAgent,
        lookup: resolve,
        isAllowedAddress,
      });
    }
    // A listed host's client resolves that one name only, and admits the addresses it answered: no other host's.
    const answered = new Set<string>();
    return new GuardedHttpClient({
      allowPrivateNetwork: false,
      userAgent: this.options.userAgent,
      lookup: async (hostname) => {
        if (bare(hostname).toLowerCase() !== onlyHost)
          throw Object.assign(new Error(`${hostname} is not ${onlyHost}`), { code: 'ENOTFOUND' });
        const addresses = await resolve(hostname);
        for (const { address } of addresses) answered.add(address);
        return addresses;
      },
      isAllowedAddress: (ip) => isAllowedAddress(ip) || answered.has(ip),
    });
  }

  private agents(mayBePrivate: (hostname: string) => boolean): GuardedAgents {
    const isAllowed = (ip: string) => this.options.allowPrivateNetwork || this.isPublic(ip);
    const lookup: net.LookupFunction = (hostname, options, callback) =>
      guardedLookup(this.resolve, (ip) => mayBePrivate(hostname) || isAllowed(ip))(hostname, options, callback);
    return { httpAgent: new http.Agent({ keepAlive: true, lookup }), httpsAgent: new https.Agent({ keepAlive: true, lookup }) };
  }
}
