import { CliError } from '../common/errors';
import { loadIdentity } from '../fabric/msp-identity';
import { ordererEndpoint, peerEndpoint } from '../local/endpoints';
import { connectAs } from '../local/gateway-client';
import { evaluateTransaction, submitTransaction } from './lifecycle';
import type { LocalNetwork } from '../local/network';
import type { Org } from '../topology/topology';
import type { Progress } from '../common/progress';

/** The governance record the topology asks for: every peer organisation a member, `oversight` flagged ones designated. */
export function governanceProposal(net: LocalNetwork): { version: 1; members: string[]; oversight: string[] } {
  const orgs = net.topology.peerOrgs;
  return {
    version: 1,
    members: orgs.map((o) => o.mspId).sort(),
    oversight: orgs.filter((o) => o.oversight).map((o) => o.mspId).sort(),
  };
}

/**
 * Writes the chaincode's first governance record (`initGovernance`) unless one exists, as an admin
 * of the first organisation that has one, endorsed by every peer organisation (the chaincode-level
 * policy needs a majority). Idempotent: a redeploy finds the record and leaves it alone; changes
 * afterwards go through `approveGovernance` by a majority of the members.
 * @throws CliError when the topology designates no oversight organisation, has no admin
 *   identity, or the transaction fails.
 */
export async function initGovernance(net: LocalNetwork, progress: Progress): Promise<'created' | 'exists'> {
  const proposal = governanceProposal(net);
  if (proposal.oversight.length === 0) {
    throw new CliError('the topology designates no oversight organisation (oversight: true)', { step: 'governance' });
  }
  const admin = adminOf(net.localPeerOrgs);
  if (!net.topology.traits.gatewayService) return initGovernanceWithoutGateway(net, admin, proposal, progress);
  const session = connectAs(net, admin.org.name, admin.userId);
  try {
    try {
      await session.contract.evaluateTransaction('getGovernance');
      return 'exists';
    } catch (err) {
      if (!/CONFLICT: the channel has no governance record/.test(detailOf(err))) throw err;
    }
    await session.contract.submit('initGovernance', {
      arguments: [JSON.stringify(proposal)],
      endorsingOrganizations: proposal.members,
    });
    progress(`governance: members ${proposal.members.join(', ')}; oversight ${proposal.oversight.join(', ')}`);
    return 'created';
  } catch (err) {
    throw new CliError(`initGovernance failed: ${detailOf(err)}`, { step: 'governance' });
  } finally {
    session.close();
  }
}

/**
 * {@link initGovernance} on peers without a Gateway service (the amb profile's Fabric 2.2): the
 * proposal goes to every member's first peer through the Endorser service, the transaction to the
 * orderer, as the Fabric 2.2 SDK would do it.
 */
async function initGovernanceWithoutGateway(
  net: LocalNetwork,
  admin: { org: Org; userId: string },
  proposal: ReturnType<typeof governanceProposal>,
  progress: Progress,
): Promise<'created' | 'exists'> {
  const id = loadIdentity(admin.org.mspId, net.layout.userMsp(admin.org, admin.userId));
  const { channel, chaincode } = { channel: net.topology.channel, chaincode: net.topology.chaincode.name };
  const own = admin.org.peers[0];
  if (!own) throw new CliError(`${admin.org.name} has no peer`, { step: 'governance' });
  try {
    try {
      await evaluateTransaction(id, peerEndpoint(net, own), channel, chaincode, 'getGovernance', []);
      return 'exists';
    } catch (err) {
      if (!/CONFLICT: the channel has no governance record/.test(detailOf(err))) throw err;
    }
    const endorsers = net.topology.peerOrgs.flatMap((o) => (o.peers[0] ? [peerEndpoint(net, o.peers[0])] : []));
    await submitTransaction(id, endorsers, ordererEndpoint(net), channel, chaincode, 'initGovernance', [
      new TextEncoder().encode(JSON.stringify(proposal)),
    ]);
    progress(`governance: members ${proposal.members.join(', ')}; oversight ${proposal.oversight.join(', ')}`);
    return 'created';
  } catch (err) {
    throw new CliError(`initGovernance failed: ${detailOf(err)}`, { step: 'governance' });
  }
}

function adminOf(orgs: readonly Org[]): { org: Org; userId: string } {
  for (const org of orgs) {
    const user = org.users.find((u) => u.role === 'admin');
    if (user) return { org, userId: user.id };
  }
  throw new CliError('no organisation of the topology has an admin identity to write the governance record', { step: 'governance' });
}

/** The error's message with the peers' details (where the chaincode's coded message is). */
function detailOf(err: unknown): string {
  const e = err as { message?: string; details?: { message?: string }[] };
  return [e.message ?? String(err), ...(e.details ?? []).map((d) => d.message ?? '')].join('; ');
}
