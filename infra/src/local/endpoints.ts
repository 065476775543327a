import { readFileSync } from 'node:fs';
import { CliError } from '../common/errors';
import type { Endpoint, PeerEndpoint } from '../fabric/connection';
import type { SigningIdentity } from '../fabric/identity';
import { loadIdentity } from '../fabric/msp-identity';
import type { NetworkModel } from '../topology/layout';
import type { Host, Org, OrdererNode, PeerNode } from '../topology/topology';

/** A peer of the local network as a gRPC endpoint (public material: address and TLS root). */
export function peerEndpoint(net: NetworkModel, p: PeerNode): PeerEndpoint {
  const org = orgOf(net, p.org);
  return {
    name: p.name,
    mspId: org.mspId,
    address: `${p.host.endpoint}:${p.port}`,
    tlsRootCert: readFileSync(net.layout.orgTlsCa(org)),
    ...hostnameOverride(p.host),
  };
}

/** An orderer of the local network (the first by default). */
export function ordererEndpoint(net: NetworkModel, o: OrdererNode | undefined = net.topology.orderers[0]): Endpoint {
  if (!o) throw new CliError('the topology has no orderer');
  return {
    name: o.name,
    address: `${o.host.endpoint}:${o.port}`,
    tlsRootCert: readFileSync(net.layout.orgTlsCa(net.topology.ordererOrg)),
    ...hostnameOverride(o.host),
  };
}

/** The implicit host is dialled as `localhost`; other hosts by address, which their certificates carry. */
export function hostnameOverride(host: Host): { hostnameOverride?: string } {
  return host.implicit ? { hostnameOverride: 'localhost' } : {};
}

export function orgOf(net: NetworkModel, name: string): Org {
  const org = net.topology.orgs.find((o) => o.name.toLowerCase() === name.toLowerCase() || o.mspId === name || o.key === name);
  if (!org) throw new CliError(`unknown organisation "${name}"; known: ${net.topology.orgs.map((o) => o.name).join(', ')}`);
  return org;
}

/** The organisation's admin identity, read from its own MSP folder only. */
export function adminIdentity(net: NetworkModel, org: Org): SigningIdentity {
  return loadIdentity(org.mspId, net.layout.adminMsp(org));
}

/** The organisation's first peer. */
export function anchorPeer(org: Org): PeerNode {
  const p = org.peers[0];
  if (!p) throw new CliError(`organisation ${org.name} has no peer`);
  return p;
}
