import { readFileSync } from 'node:fs';
import type { ConnectionProfile } from '@waybill/chaincode/constants';
import { Gateway, Wallets, type X509Identity } from 'fabric-network';
import { connectAs, env, testNetwork } from './fabric';

/** A Fabric client of its own (no gateway API) that submits and waits for the commit. */
export interface RawClient {
  /** Submits `fn(args)`; resolves with the transaction ID once it committed valid. */
  submit(fn: string, args: readonly string[]): Promise<string>;
  close(): void;
}

/**
 * A raw client as `identityId` of organisation `org` (e.g. `Manufacturer`): over the Fabric
 * Gateway service on the standard network, over the Fabric 2.2 SDK (`fabric-network`, legacy
 * Endorser/Broadcast/Deliver services) on the amb profile's 2.2 peers, which have no Gateway.
 */
export async function rawClient(org: string, identityId: string): Promise<RawClient> {
  if (env.profile !== 'amb') {
    const session = connectAs(org, identityId);
    return {
      async submit(fn, args) {
        const proposal = session.contract.newProposal(fn, { arguments: [...args] });
        const status = await (await (await proposal.endorse()).submit()).getStatus();
        if (!status.successful) throw new Error(`${fn} ${proposal.getTransactionId()} invalid: code ${status.code}`);
        return proposal.getTransactionId();
      },
      close: () => session.close(),
    };
  }
  const net = testNetwork();
  const o = net.topology.peerOrgs.find((x) => x.name === org);
  if (!o) throw new Error(`no organisation ${org}`);
  const profile = JSON.parse(readFileSync(net.layout.profile(o), 'utf8')) as ConnectionProfile;
  const entry = profile.identities.find((i) => i.id === identityId);
  if (!entry) throw new Error(`no identity ${identityId} in ${org}'s profile`);
  const wallet = await Wallets.newInMemoryWallet();
  const identity: X509Identity = {
    type: 'X.509',
    mspId: profile.mspId,
    credentials: { certificate: readFileSync(entry.certPath, 'utf8'), privateKey: readFileSync(entry.keyPath, 'utf8') },
  };
  await wallet.put(identityId, identity);
  // The SDK's common connection profile: this organisation's peers; discovery finds the rest.
  const ccp = {
    name: 'waybill-test',
    version: '1.0.0',
    client: { organization: profile.organization },
    organizations: { [profile.organization]: { mspid: profile.mspId, peers: profile.peers.map((p) => p.name) } },
    peers: Object.fromEntries(
      profile.peers.map((p) => [p.name, { url: `grpcs://${p.endpoint}`, tlsCACerts: { pem: readFileSync(p.tlsRootCertPath, 'utf8') } }]),
    ),
  };
  const gateway = new Gateway();
  await gateway.connect(ccp, { wallet, identity: identityId, discovery: { enabled: true, asLocalhost: false } });
  const contract = (await gateway.getNetwork(profile.channel)).getContract(profile.chaincode);
  return {
    async submit(fn, args) {
      const tx = contract.createTransaction(fn);
      await tx.submit(...args);
      return tx.getTransactionId();
    },
    close: () => gateway.disconnect(),
  };
}
