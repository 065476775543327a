import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CaClient } from '../../infra/src/identity/fabric-ca';
import { readDeployState } from '../../infra/src/lifecycle/deploy';
import { CHAINCODE_DIR, startChaincodeServer } from '../../infra/src/lifecycle/chaincode-server';
import { connectWithMsp, type GatewaySession } from '../../infra/src/local/gateway-client';
import type { LocalNetwork } from '../../infra/src/local/network';
import type { Role } from '../../infra/src/topology/topology';

/** A change to one compiled file of the chaincode: `find` must occur exactly once. */
export interface Patch {
  readonly file: string;
  readonly find: string;
  readonly replace: string;
}

/**
 * Builds a modified copy of the real chaincode (its compiled `dist` with `patches` applied) under
 * the network directory, as an organisation controlling its own package could, and returns its
 * module path (it resolves its dependencies from the project's node_modules).
 */
export function buildRogueChaincode(net: LocalNetwork, patches: readonly Patch[]): string {
  const dir = path.join(net.layout.root, 'rogue-chaincode');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(path.join(CHAINCODE_DIR, 'dist'), path.join(dir, 'dist'), { recursive: true });
  cpSync(path.join(CHAINCODE_DIR, 'package.json'), path.join(dir, 'package.json'));
  symlinkSync(path.join(CHAINCODE_DIR, '..', 'node_modules'), path.join(dir, 'node_modules'));
  for (const p of patches) {
    const file = path.join(dir, 'dist', p.file);
    const text = readFileSync(file, 'utf8');
    if (text.split(p.find).length !== 2) throw new Error(`patch target not found exactly once in ${p.file}: ${p.find}`);
    writeFileSync(file, text.replace(p.find, p.replace));
  }
  return dir;
}

/** Runs `org`'s chaincode server from `modulePath` (the real chaincode when omitted), same package ID. */
export async function runChaincodeOf(net: LocalNetwork, org: string, modulePath = CHAINCODE_DIR): Promise<void> {
  const state = readDeployState(net);
  if (!state) throw new Error('chaincode not deployed on the e2e network');
  const server = net.topology.chaincodeServers.find((s) => s.org === org);
  if (!server) throw new Error(`no chaincode server for ${org}`);
  await startChaincodeServer(net, server, state.packageId, modulePath);
}

/**
 * Registers and enrols a new identity at `org`'s own CA with any role attribute (what that
 * organisation's CA administrator can always do), and connects with it to the organisation's peer.
 */
export async function mintIdentity(net: LocalNetwork, orgName: string, id: string, role: Role): Promise<GatewaySession> {
  const org = net.topology.peerOrgs.find((o) => o.name === orgName);
  if (!org) throw new Error(`no organisation ${orgName}`);
  const mspDir = path.join(net.layout.root, 'minted', id, 'msp');
  if (!existsSync(path.join(mspDir, 'signcerts', 'cert.pem'))) {
    await new CaClient(net.layout, org).issue({ id, type: 'client', role, mspDir });
  }
  return connectWithMsp(net, orgName, mspDir);
}
