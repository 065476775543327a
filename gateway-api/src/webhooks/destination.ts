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
  '::/128',
  '::1/128',
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

function blockListOf(networks: readonly string[]): BlockList {
  const list = new BlockList();
  for (const text of networks) {
    const n = parseNetwork(text);
    if (!n) throw new Error(`not an address or CIDR range: ${text}`);
    list.addSubnet(n.address, n.prefix, n.family === 4 ? 'ipv4' : 'ipv6');
  }
  return list;
}

const NON_PUBLIC_LIST = blockListOf(NON_PUBLIC);

/** The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:10.0.0.1`), else the address. */
function unmapped(address: string): string {
  const m = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return m?.[1] ?? address;
}

/** The family of an address as BlockList wants it. */
function familyOf(address: string): 'ipv4' | 'ipv6' {
  return isIP(address) === 4 ? 'ipv4' : 'ipv6';
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
  readonly #allowed: BlockList;

  constructor(
    allowedNetworks: readonly string[],
    private readonly resolver: Resolver = systemResolver,
  ) {
    this.#allowed = blockListOf(allowedNetworks);
  }

  /** May a delivery connect to this address? */
  permits(address: string): boolean {
    const plain = unmapped(address);
    const family = familyOf(plain);
    if (this.#allowed.check(plain, family) || (plain !== address && this.#allowed.check(address, 'ipv6'))) return true;
    return !NON_PUBLIC_LIST.check(plain, family);
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
