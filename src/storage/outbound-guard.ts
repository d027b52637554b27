// The S3 SDK and the Kubo client make their own connections to endpoints users typed in, so they get the
// same SSRF guard as everything else: agents whose lookup refuses non-public addresses at connect time.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { BadRequest } from '../domain/errors.js';
import { defaultResolver, guardedLookup, isBlockedAddress } from '../clients/ip-ranges.js';

export interface GuardedAgents {
  httpAgent: http.Agent;
  httpsAgent: https.Agent;
}

export function guardedAgents(allowPrivateNetwork: boolean): GuardedAgents {
  const lookup = guardedLookup(defaultResolver, (ip) => allowPrivateNetwork || !isBlockedAddress(ip));
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

/**
 * For clients whose connections we cannot guard (kubo-rpc-client uses Node's fetch, which ignores agents):
 * resolve and check the host now and, for http, connect to the checked address itself so a DNS answer that
 * changes afterwards cannot redirect the request. https keeps the name for TLS: it is checked just before use.
 */
export async function pinnedEndpoint(url: string, allowPrivateNetwork: boolean): Promise<string> {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (net.isIP(host)) {
    if (!allowPrivateNetwork && isBlockedAddress(host))
      throw new BadRequest(`${url} is a private or reserved address.`, undefined, 'endpoint_not_allowed');
    return url;
  }
  const addresses = await defaultResolver(host);
  const blocked = addresses.find((a) => !allowPrivateNetwork && isBlockedAddress(a.address));
  if (blocked)
    throw new BadRequest(`${host} resolves to ${blocked.address}, a private or reserved address.`, undefined, 'endpoint_not_allowed');
  if (parsed.protocol === 'http:' && addresses[0]) {
    parsed.hostname = addresses[0].family === 6 ? `[${addresses[0].address}]` : addresses[0].address;
  }
  return parsed.toString().replace(/\/+$/, '');
}
