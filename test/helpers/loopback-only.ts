// Test-wide network guard: any TCP connection to a non-loopback address fails before a packet leaves.
import dns from 'node:dns';
import net from 'node:net';

export class NonLoopbackConnection extends Error {}

export function isLoopbackAddress(address: string): boolean {
  const a = address.toLowerCase().replace(/^\[|\]$/g, '');
  if (a === '::1' || a === 'localhost') return true;
  const v4 = a.startsWith('::ffff:') ? a.slice(7) : a;
  return net.isIPv4(v4) && v4.startsWith('127.');
}

type LookupFn = NonNullable<net.TcpNetConnectOpts['lookup']>;

function guardedLookup(original: LookupFn | undefined): LookupFn {
  const lookup = (original ?? dns.lookup) as LookupFn;
  return ((hostname: string, options: dns.LookupOptions, callback: (...args: unknown[]) => void) => {
    lookup(hostname, options, (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => {
      if (err) return callback(err);
      const addresses = Array.isArray(address) ? address.map((a) => a.address) : [address];
      const outside = addresses.find((a) => !isLoopbackAddress(a));
      if (outside) return callback(new NonLoopbackConnection(`tests may only connect to loopback: ${hostname} resolved to ${outside}`));
      callback(null, address, family);
    });
  }) as LookupFn;
}

const originalConnect = net.Socket.prototype.connect;

net.Socket.prototype.connect = function connect(this: net.Socket, ...args: unknown[]) {
  const normalized = Array.isArray(args[0]) ? (args[0] as unknown[]) : null;
  const first = normalized ? normalized[0] : args[0];
  if (first && typeof first === 'object') {
    const options = first as net.TcpNetConnectOpts & net.IpcNetConnectOpts;
    if (!options.path) {
      const host = options.host ?? 'localhost';
      if (net.isIP(host.replace(/^\[|\]$/g, '')) && !isLoopbackAddress(host)) {
        process.nextTick(() => this.destroy(new NonLoopbackConnection(`tests may only connect to loopback, not ${host}`)));
        return this;
      }
      const guarded = { ...options, lookup: guardedLookup(options.lookup) };
      if (normalized) {
        const copy = [guarded, ...normalized.slice(1)] as unknown[];
        for (const sym of Object.getOwnPropertySymbols(normalized))
          (copy as unknown as Record<symbol, unknown>)[sym] = (normalized as unknown as Record<symbol, unknown>)[sym];
        return originalConnect.call(this, copy as never);
      }
      return originalConnect.call(this, guarded as never, ...(args.slice(1) as [() => void]));
    }
  } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    const host = typeof args[1] === 'string' ? args[1] : 'localhost';
    if (!isLoopbackAddress(host)) {
      process.nextTick(() => this.destroy(new NonLoopbackConnection(`tests may only connect to loopback, not ${host}`)));
      return this;
    }
  }
  return originalConnect.apply(this, args as never);
} as typeof net.Socket.prototype.connect;
