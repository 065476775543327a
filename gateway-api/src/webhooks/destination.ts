import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { parseNetwork } from '../config/config';

/**
 * Ranges that are not the public internet: this host, the organisation's own networks, link-local
 * (cloud metadata endpoints), carrier-grade NAT, documentation, benchmarking, multicast, reserved,
 * and the IPv6 forms that embed an IPv4 address another way (NAT64, 6to4). IPv4-mapped IPv6
 * addresses are judged by their IPv4 address.
 */
const NON_PUBLIC: readonly string[] = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.88.99.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/4',
  '240.0.0.0/4',
  // Unspecified, loopback and the deprecated IPv4-compatible form.
  '::/96',
  // IPv4-mapped addresses not recognised as such below: refused rather than guessed.
  '::ffff:0:0/96',
  '64:ff9b::/96',
  '64:ff9b:1::/48',
  '100::/64',
  '2001::/23',
  '2001:db8::/32',
  '2002::/16',
  'fc00::/7',
  'fe80::/10',
  'fec0::/10',
  'ff00::/8',
];

/**
 * Networks as one BlockList per family: a single BlockList matches IPv4 addresses against IPv6
 * rules too (in their mapped form), so `::ffff:0:0/96` would catch every IPv4 address.
 */
class Networks {
  readonly #v4 = new BlockList();
  readonly #v6 = new BlockList();

  constructor(networks: readonly string[]) {
    for (const text of networks) {
      const n = parseNetwork(text);
      if (!n) throw new Error(`not an address or CIDR range: ${text}`);
      if (n.family === 4) this.#v4.addSubnet(n.address, n.prefix, 'ipv4');
      else this.#v6.addSubnet(n.address, n.prefix, 'ipv6');
    }
  }

  has(address: string): boolean {
    return isIP(address) === 4 ? this.#v4.check(address, 'ipv4') : this.#v6.check(address, 'ipv6');
  }
}

const NON_PUBLIC_NETWORKS = new Networks(NON_PUBLIC);

/**
 * The IPv4 address inside an IPv4-mapped IPv6 address, dotted (`::ffff:10.0.0.1`) or in hex as
 * the URL parser writes it (`::ffff:a00:1`); else the address.
 */
export function unmapped(address: string): string {
  const dotted = /^(?:0{0,4}:){0,4}:?:ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (dotted?.[1]) return dotted[1];
  const hex = /^(?:0{0,4}:){0,4}:?:ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hex?.[1] && hex[2]) {
    const hi = parseInt(hex[1], 16);
    const lo = parseInt(hex[2], 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return address;
}


/** A destination refused: it resolves to an address that is not public and not allowed. */
export class DestinationForbiddenError extends Error {
  readonly code = 'DESTINATION_FORBIDDEN';
  constructor(readonly host: string) {
    super(`webhook destination ${host} is not a public address and not in WAYBILL_WEBHOOK_ALLOWED_NETWORKS`);
    this.name = 'DestinationForbiddenError';
  }
}

/** The host name does not resolve. */
export class DestinationUnresolvedError extends Error {
  readonly code = 'DESTINATION_UNRESOLVED';
  constructor(readonly host: string) {
    super(`webhook destination ${host} does not resolve`);
    this.name = 'DestinationUnresolvedError';
  }
}

/** How a host name is resolved (every address). Tests pass their own. */
export type Resolver = (host: string) => Promise<readonly LookupAddress[]>;

const systemResolver: Resolver = (host) =>
  new Promise((resolve, reject) => {
    dnsLookup(host, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses)));
  });

/**
 * Where webhooks may go: public addresses, and the non-public networks the configuration opens.
 * A host name is judged by every address it resolves to, and the delivery connects to the
 * address judged (never resolving again), so a name that changes its answer between the check and
 * the connection (DNS rebinding) cannot lead anywhere else.
 */
export class DestinationPolicy {
  readonly #allowed: Networks;

  constructor(
    allowedNetworks: readonly string[],
    private readonly resolver: Resolver = systemResolver,
  ) {
    this.#allowed = new Networks(allowedNetworks);
  }

  /** May a delivery connect to this address? */
  permits(address: string): boolean {
    const plain = unmapped(address);
    if (this.#allowed.has(plain) || this.#allowed.has(address)) return true;
    return !NON_PUBLIC_NETWORKS.has(plain);
  }

  /**
   * The addresses to connect to for `host` (an address or a name), all of them permitted.
   * @throws {@link DestinationForbiddenError} when any address is not permitted,
   *   {@link DestinationUnresolvedError} when the name does not resolve.
   */
  async resolve(host: string): Promise<readonly LookupAddress[]> {
    const bare = host.replace(/^\[|\]$/g, '');
    let addresses: readonly LookupAddress[];
    if (isIP(bare) !== 0) {
      addresses = [{ address: bare, family: isIP(bare) }];
    } else {
      try {
        addresses = await this.resolver(bare);
      } catch {
        throw new DestinationUnresolvedError(bare);
      }
      if (addresses.length === 0) throw new DestinationUnresolvedError(bare);
    }
    // One forbidden answer refuses the whole name: a client library elsewhere could pick it.
    if (addresses.some((a) => !this.permits(a.address))) throw new DestinationForbiddenError(bare);
    return addresses;
  }
}
