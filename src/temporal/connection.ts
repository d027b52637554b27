// Connection options shared by the client and the worker: plaintext for a local cluster; TLS, mTLS and an API
// key for a secured cluster or Temporal Cloud. Both connections must agree, so they are built in one place.
import type { TemporalTls } from '../config.js';

export interface TemporalConnectionSettings {
  address: string;
  namespace: string;
  tls?: TemporalTls;
  apiKey?: string;
}

export interface TemporalConnectionOptions {
  address: string;
  tls:
    | false
    | {
        serverNameOverride?: string;
        serverRootCACertificate?: Buffer;
        clientCertPair?: { crt: Buffer; key: Buffer };
      };
  apiKey?: string;
  metadata?: Record<string, string>;
}

export function temporalConnectionOptions(settings: TemporalConnectionSettings): TemporalConnectionOptions {
  const { tls } = settings;
  return {
    address: settings.address,
    tls: tls
      ? {
          ...(tls.serverName ? { serverNameOverride: tls.serverName } : {}),
          ...(tls.ca ? { serverRootCACertificate: Buffer.from(tls.ca) } : {}),
          ...(tls.clientCert ? { clientCertPair: { crt: Buffer.from(tls.clientCert.cert), key: Buffer.from(tls.clientCert.key) } } : {}),
        }
      : false,
    // Temporal Cloud routes API-key requests by this header when the endpoint is regional rather than per namespace.
    ...(settings.apiKey ? { apiKey: settings.apiKey, metadata: { 'temporal-namespace': settings.namespace } } : {}),
  };
}
