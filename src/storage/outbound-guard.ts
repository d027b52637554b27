// The S3 SDK makes its own connections to endpoints users typed in, so it gets the same SSRF guard as
// everything else: agents whose lookup refuses non-public addresses at connect time. (The IPFS provider uses
// the guarded HTTP client itself; storage-outbound.ts picks agents and clients per endpoint.)
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { BadRequest } from '../domain/errors.js';
import { defaultResolver, guardedLookup, isBlockedAddress, type Resolver } from '../clients/ip-ranges.js';

export interface GuardedAgents {
  httpAgent: http.Agent;
  httpsAgent: https.Agent;
}

/** `resolve` is the system resolver except in tests, which hand in a stub to play DNS tricks. */
export function guardedAgents(allowPrivateNetwork: boolean, resolve: Resolver = defaultResolver): GuardedAgents {
  const lookup = guardedLookup(resolve, (ip) => allowPrivateNetwork || !isBlockedAddress(ip));
  return {
    httpAgent: new http.Agent({ keepAlive: true, lookup }),
    httpsAgent: new https.Agent({ keepAlive: true, lookup }),
  };
}

/** Refuses endpoints the guard could not protect (other schemes, credentials, private IP literals). */
export function checkEndpoint(url: string, field: string, allowPrivateNetwork: boolean): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new BadRequest(`${field} must be an http(s) URL.`, { field }, 'invalid_endpoint');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new BadRequest(`${field} must be an http(s) URL.`, { field }, 'invalid_endpoint');
  if (parsed.username || parsed.password)
    throw new BadRequest(`${field} must not carry credentials; use the secret fields.`, { field }, 'invalid_endpoint');
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (net.isIP(host) && !allowPrivateNetwork && isBlockedAddress(host)) {
    throw new BadRequest(
      `${field} points at a private or reserved address (${host}), which this server will not connect to.`,
      { field },
      'endpoint_not_allowed',
    );
  }
  return parsed.toString().replace(/\/+$/, '');
}
