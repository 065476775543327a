import type { ConnectionProfile } from '@waybill/chaincode/constants';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { NetworkModel } from '../topology/layout';
import type { Org } from '../topology/topology';
import { hostnameOverride } from './endpoints';

/**
 * Connection profiles for the gateway APIs: per organisation its peers, TLS root, and only its
 * own identities (no process ever receives another organisation's keys).
 */
export function writeGatewayProfiles(net: NetworkModel, only: readonly Org[] = net.topology.peerOrgs): void {
  const { layout, topology } = net;
  mkdirSync(layout.profilesDir, { recursive: true, mode: 0o700 });
  const orgs = Object.fromEntries(topology.peerOrgs.map((o) => [o.mspId, o.name]));
  for (const org of only) {
    const profile: ConnectionProfile = {
      organization: org.name,
      mspId: org.mspId,
      channel: topology.channel,
      chaincode: topology.chaincode.name,
      peers: org.peers.map((p) => ({
        name: p.name,
        endpoint: `${p.host.endpoint}:${p.port}`,
        tlsRootCertPath: layout.orgTlsCa(org),
        ...hostnameOverride(p.host),
      })),
      identities: org.users.map((u) => ({
        id: u.id,
        role: u.role,
        certPath: path.join(layout.userMsp(org, u.id), 'signcerts', 'cert.pem'),
        keyPath: path.join(layout.userMsp(org, u.id), 'keystore', 'key.pem'),
      })),
      organizations: orgs,
    };
    writeFileSync(layout.profile(org), `${JSON.stringify(profile, null, 2)}\n`, { mode: 0o600 });
  }
}
