import { WaybillError } from '../common/errors';
import { connectAs } from '../local/gateway-client';
import type { LocalNetwork, Say } from '../local/network';
import type { Org } from '../local/topology';

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
 * @throws WaybillError when the topology designates no oversight organisation, has no admin
 *   identity, or the transaction fails.
 */
export async function initGovernance(net: LocalNetwork, say: Say): Promise<'created' | 'exists'> {
  const proposal = governanceProposal(net);
  if (proposal.oversight.length === 0) {
    throw new WaybillError('the topology designates no oversight organisation (oversight: true)', { step: 'governance' });
  }
  const admin = adminOf(net.topology.peerOrgs);
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
    say(`governance: members ${proposal.members.join(', ')}; oversight ${proposal.oversight.join(', ')}`);
    return 'created';
  } catch (err) {
    throw new WaybillError(`initGovernance failed: ${detailOf(err)}`, { step: 'governance' });
  } finally {
    session.close();
  }
}

function adminOf(orgs: readonly Org[]): { org: Org; userId: string } {
  for (const org of orgs) {
    const user = org.users.find((u) => u.role === 'admin');
    if (user) return { org, userId: user.id };
  }
  throw new WaybillError('no organisation of the topology has an admin identity to write the governance record', { step: 'governance' });
}

/** The error's message with the peers' details (where the chaincode's coded message is). */
function detailOf(err: unknown): string {
  const e = err as { message?: string; details?: { message?: string }[] };
  return [e.message ?? String(err), ...(e.details ?? []).map((d) => d.message ?? '')].join('; ');
}
