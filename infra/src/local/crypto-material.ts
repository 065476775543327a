import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '../common/errors';
import { issueOrgIdentities, issueServerTls, lockDown } from '../identity/fabric-ca';
import type { NetworkModel } from '../topology/layout';

const CRYPTO_DONE = 'crypto.done';

/** Whether every identity and TLS key pair of the network was issued (a marker written last). */
export function hasCryptoMaterial(net: NetworkModel): boolean {
  return existsSync(path.join(net.layout.root, CRYPTO_DONE));
}

/**
 * Issues the network's identities from its running CAs: each organisation's node, admin and user
 * identities, and each organisation's chaincode server a TLS key pair from its own CA; then locks
 * the private material down and marks it complete.
 */
export async function issueCryptoMaterial(net: NetworkModel): Promise<void> {
  const { layout, topology } = net;
  await Promise.all(topology.orgs.map((o) => issueOrgIdentities(layout, o, topology.traits.nodeOus)));
  for (const server of topology.chaincodeServers) {
    const org = topology.orgs.find((o) => o.name === server.org);
    if (!org) throw new CliError(`unknown organisation ${server.org}`);
    await issueServerTls(layout, org, server.name.replace('.', '-'), layout.nodeTls(server));
  }
  lockDown(path.join(layout.root, 'orgs'));
  lockDown(path.join(layout.root, 'nodes'));
  writeFileSync(path.join(layout.root, CRYPTO_DONE), new Date().toISOString());
}
