// Address policy for outbound requests: which addresses are public unicast, and a socket lookup that answers only with those.
import dns from 'node:dns';
import net from 'node:net';

type Cidr = readonly [base: number, prefix: number];

function v4(dotted: string): number {
  return dotted.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

// Every IPv4 range that is not public unicast (RFC 6890 special-purpose plus multicast and reserved).
const BLOCKED_V4: readonly Cidr[] = [
  [v4('0.0.0.0'), 8],
  [v4('10.0.0.0'), 8],
  [v4('100.64.0.0'), 10],
  [v4('127.0.0.0'), 8],
  [v4('169.254.0.0'), 16],
  [v4('172.16.0.0'), 12],
  [v4('192.0.0.0'), 24],
  [v4('192.0.2.0'), 24],
  [v4('192.168.0.0'), 16],
  [v4('198.18.0.0'), 15],
  [v4('198.51.100.0'), 24],
  [v4('203.0.113.0'), 24],
  [v4('224.0.0.0'), 4],
  [v4('240.0.0.0'), 4],
];

function inCidr(address: number, [base, prefix]: Cidr): boolean {
  const size = 2 ** (32 - prefix);
  return Math.floor(address / size) === Math.floor(base / size);
}

function isBlockedV4(address: number): boolean {
  return BLOCKED_V4.some((cidr) => inCidr(address, cidr));
}

/** The eight 16-bit groups of an IPv6 address, with a dotted IPv4 tail folded into the last two. */
function v6Groups(address: string): number[] {
  let text = address;
  const dotted = text.match(/^(.*:)(\d+\.\d+\.\d+\.\d+)$/);
  if (dotted) {
    const tail = v4(dotted[2]!);
    text = `${dotted[1]}${Math.floor(tail / 0x10000).toString(16)}:${(tail % 0x10000).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const parse = (part: string | undefined) => (part ? part.split(':').map((group) => parseInt(group, 16)) : []);
  const before = parse(head);
  const after = parse(rest);
  return [...before, ...new Array<number>(8 - before.length - after.length).fill(0), ...after];
}

function embeddedV4(high: number, low: number): number {
  return high * 0x10000 + low;
}

function isBlockedV6(g: number[]): boolean {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) reach the embedded IPv4 address.
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff) return isBlockedV4(embeddedV4(g6, g7));
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return isBlockedV4(embeddedV4(g6, g7));
  // 6to4 (2002:AABB:CCDD::/48) tunnels to the IPv4 address in groups 1 and 2.
  if (g0 === 0x2002) return isBlockedV4(embeddedV4(g1, g2));
  // Only 2000::/3 is allocated as global unicast; ::, ::1, ULA, link-local and multicast all fall outside it.
  if ((g0 & 0xe000) !== 0x2000) return true;
  // 2001::/23 is IETF protocol assignments (Teredo, benchmarking, ORCHID); 2001:db8::/32 is documentation.
  if (g0 === 0x2001 && (g1 < 0x200 || g1 === 0xdb8)) return true;
  return false;
}

/** True for anything that is not a public unicast address, including strings that are not IP addresses at all. */
export function isBlockedAddress(ip: string): boolean {
  const address = ip.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (net.isIPv4(address)) return isBlockedV4(v4(address));
  if (net.isIPv6(address)) return isBlockedV6(v6Groups(address.toLowerCase()));
  return true;
}

export type Resolver = (hostname: string) => Promise<{ address: string; family: 4 | 6 }[]>;

export const defaultResolver: Resolver = async (hostname) =>
  (await dns.promises.lookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

/** A refusal raised inside the socket's lookup, before any connection is attempted. */
export class LookupRefusal extends Error {
  constructor(
    readonly kind: 'blocked_address' | 'dns',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Every address must be allowed: the socket may try any of them. */
async function allowedAddresses(resolve: Resolver, isAllowed: (ip: string) => boolean, hostname: string) {
  const addresses = await resolve(hostname).catch((err: unknown) => {
    const code = (err as { code?: unknown } | null)?.code;
    throw new LookupRefusal('dns', `could not resolve ${hostname}${code ? ` (${String(code)})` : ''}`, { cause: err });
  });
  if (addresses.length === 0) throw new LookupRefusal('dns', `${hostname} has no addresses`);
  const blocked = addresses.find((a) => !isAllowed(a.address));
  if (blocked) throw new LookupRefusal('blocked_address', `${hostname} resolves to ${blocked.address}, which is not a public address`);
  return addresses;
}

/**
 * A `lookup` for net/tls connect: the socket connects to exactly the addresses checked here, so a DNS
 * answer that changes between check and connect (rebinding) cannot slip through.
 */
export function guardedLookup(resolve: Resolver, isAllowed: (ip: string) => boolean): net.LookupFunction {
  return (hostname, options, callback) => {
    allowedAddresses(resolve, isAllowed, hostname).then(
      (all) => {
        const addresses = all.filter((a) => !options.family || a.family === options.family);
        const [first] = addresses;
        if (!first) callback(new LookupRefusal('dns', `${hostname} has no IPv${options.family} address`), '');
        else if (options.all) callback(null, addresses);
        else callback(null, first.address, first.family);
      },
      (err: Error) => callback(err, ''),
    );
  };
}
