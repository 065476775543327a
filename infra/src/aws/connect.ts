import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '../common/errors';
import type { MemberState, NetworkState } from './state';

/**
 * What `waybill aws connect` writes for one member this account owns: the gateway's connection
 * profile in the shape the local network writes (organisation, MSP ID, channel, chaincode, peers,
 * identities, organisations), plus the ordering service that a Fabric 2.2 client submits to.
 * On AMB the MSP ID is the member ID, every endpoint is served under the region's one TLS chain,
 * and the member admin's MSP lists its certificate under admincerts (AMB MSPs have no NodeOUs).
 */
export interface AmbConnection {
  readonly profileFile: string;
  readonly mspDir: string;
  readonly tlsChainFile: string;
}

/** Folder names of one member's files under the output folder. */
export function memberKey(member: Pick<MemberState, 'name'>): string {
  return member.name.toLowerCase().replace(/[^a-z0-9-]/g, '-');
}

/** The connection profile (pure; paths relative to the profile's folder). */
export function ambProfile(
  network: NetworkState,
  member: MemberState,
  opts: { readonly channel: string; readonly chaincode: string; readonly adminId: string },
): Record<string, unknown> {
  const key = memberKey(member);
  const peers = member.nodes.filter((n) => n.status === 'AVAILABLE' && n.peerEndpoint);
  if (!peers.length)
    throw new CliError(`member ${member.name} has no AVAILABLE peer node: add one to the file and apply`);
  if (!network.ordererEndpoint)
    throw new CliError(`network ${network.id} reports no ordering service endpoint yet`);
  return {
    organization: member.name,
    mspId: member.id,
    channel: opts.channel,
    chaincode: opts.chaincode,
    peers: peers.map((n) => ({
      name: n.id,
      endpoint: n.peerEndpoint,
      eventEndpoint: n.peerEventEndpoint,
      tlsRootCertPath: 'tls-chain.pem',
    })),
    orderers: [{ name: 'orderer', endpoint: network.ordererEndpoint, tlsRootCertPath: 'tls-chain.pem' }],
    identities: [
      {
        id: opts.adminId,
        role: 'admin',
        certPath: `${key}/msp/signcerts/cert.pem`,
        keyPath: `${key}/msp/keystore/key.pem`,
      },
    ],
    organizations: Object.fromEntries(network.members.map((m) => [m.id, m.name])),
  };
}

/**
 * Writes the TLS chain, the admincerts of the enrolled MSP and the profile into `outDir`.
 * The MSP must already hold the enrolled admin (see identity/fabric-ca `enroll`).
 */
export function writeAmbConnection(
  outDir: string,
  tlsChain: string,
  member: MemberState,
  profile: Record<string, unknown>,
): AmbConnection {
  mkdirSync(outDir, { recursive: true, mode: 0o700 });
  const tlsChainFile = path.join(outDir, 'tls-chain.pem');
  if (path.resolve(tlsChain) !== path.resolve(tlsChainFile)) copyFileSync(tlsChain, tlsChainFile);
  const mspDir = path.join(outDir, memberKey(member), 'msp');
  mkdirSync(path.join(mspDir, 'admincerts'), { recursive: true, mode: 0o700 });
  copyFileSync(path.join(mspDir, 'signcerts', 'cert.pem'), path.join(mspDir, 'admincerts', 'cert.pem'));
  const profileFile = path.join(outDir, `${memberKey(member)}.json`);
  writeFileSync(profileFile, `${JSON.stringify(profile, null, 2)}\n`, { mode: 0o600 });
  return { profileFile, mspDir, tlsChainFile };
}
