import { setTimeout as sleep } from 'node:timers/promises';
import { CliError } from '../common/errors';
import { currentConfig } from '../local/channel-admin';
import { adminIdentity, anchorPeer, ordererEndpoint, orgOf, peerEndpoint } from '../local/endpoints';
import { connectAs } from '../local/gateway-client';
import type { LocalNetwork } from '../local/network';
import { approveForMyOrg, checkCommitReadiness, commitDefinition, queryApproved, queryCommittedDefinition, validationParameter } from './lifecycle';
import { commitQuorum, governanceChange, memberPolicy, type GovernanceState, type MembershipChange } from './membership';

export interface AdmissionStatus {
  readonly org: string;
  readonly definition: {
    readonly sequence: number;
    readonly signaturePolicy: string;
    readonly approvedBy: string[];
    readonly needed: number;
    readonly committed: boolean;
  };
  readonly governance: {
    readonly version: number;
    readonly members: string[];
    readonly approvals: string[];
    readonly needed: number;
    readonly applied: boolean;
  };
}

interface GovernanceApproval {
  version: number;
  approvals: string[];
  needed: number;
  applied: boolean;
}

/**
 * One founding organisation's part in admitting (or retiring) a partner on the chaincode side,
 * with only its own admin keys: (1) it approves the next chaincode definition, whose endorsement
 * policy is a majority of the channel's members with the partner (or without it), keeping its own
 * package, and commits it once a majority approved; (2) it approves the governance record with the
 * partner added to (or removed from) the members, which applies at a majority of current members.
 * Idempotent: a step already done by this organisation is left alone.
 */
export async function admitOrRetire(net: LocalNetwork, orgName: string, mspId: string, change: MembershipChange): Promise<AdmissionStatus> {
  if (!net.topology.traits.gatewayService) {
    throw new CliError('admitting partners needs peers with the Gateway service (the standard profile)');
  }
  const org = orgOf(net, orgName);
  if (org.isOrderer) throw new CliError(`${org.name} is the ordering organisation; peer organisations admit partners`);
  if (org.mspId === mspId) throw new CliError(`${org.name} cannot ${change === 'add' ? 'admit' : 'retire'} itself`);
  const id = adminIdentity(net, org);
  const ep = peerEndpoint(net, anchorPeer(org));
  const { channel } = net.topology;
  const name = net.topology.chaincode.name;

  const app = (await currentConfig(net, id)).getChannelGroup()?.getGroupsMap().get('Application');
  const channelOrgs = [...(app?.getGroupsMap().keys() ?? [])];
  if (change === 'add' && !channelOrgs.includes(mspId)) {
    throw new CliError(`${mspId} is not in the channel yet: add it first (waybill org add, channel sign by a majority, channel submit)`);
  }
  const members = change === 'add' ? channelOrgs : channelOrgs.filter((m) => m !== mspId);
  const signaturePolicy = memberPolicy(net.topology, members);

  // (1) The chaincode definition.
  const committed = await queryCommittedDefinition(id, ep, channel, name);
  if (!committed) throw new CliError(`no definition of ${name} is committed: run waybill chaincode deploy first`);
  // The package this organisation's peers run: its latest approval's (the newest sequence it
  // approved, which may lie behind the committed one when others committed without it).
  let packageId = '';
  for (let seq = committed.getSequence() + 1; seq >= 1 && !packageId; seq--) {
    packageId = (await queryApproved(id, ep, channel, name, seq))?.packageId ?? '';
  }
  if (!packageId) throw new CliError(`${org.name} has approved no package of ${name}`);
  const inForce = Buffer.from(committed.getValidationParameter_asU8()).equals(Buffer.from(validationParameter(signaturePolicy)));
  const sequence = inForce ? committed.getSequence() : committed.getSequence() + 1;
  const def = { channel, name, version: committed.getVersion(), sequence, signaturePolicy };
  const mine = await queryApproved(id, ep, channel, name, sequence);
  if (mine?.sequence !== sequence || mine.version !== def.version) {
    await approveForMyOrg(id, [ep], ordererEndpoint(net), { ...def, packageId });
  }
  const needed = commitQuorum(channelOrgs.length);
  let approvedBy: string[] = [];
  if (!inForce) {
    const approvals = await checkCommitReadiness(id, ep, def);
    approvedBy = Object.entries(approvals).filter(([, ok]) => ok).map(([m]) => m);
    // Endorsements for the commit from the founders that approved (their peers' public endpoints).
    const endorsers = net.topology.peerOrgs.filter((o) => approvedBy.includes(o.mspId));
    if (endorsers.length >= needed) {
      await commitDefinition(id, endorsers.map((o) => peerEndpoint(net, anchorPeer(o))), ordererEndpoint(net), def);
      // Our own peer may commit that block a moment after the first endorser did.
      for (let i = 0; i < 100 && (await queryCommittedDefinition(id, ep, channel, name))?.getSequence() !== sequence; i++) await sleep(300);
    }
  }
  const now = await queryCommittedDefinition(id, ep, channel, name);
  const isCommitted = now?.getSequence() === sequence;
  const runningIt = (now?.getApprovalsMap().toArray() ?? []).filter(([, ok]) => ok).map(([m]) => m).sort();
  if (isCommitted) approvedBy = runningIt;

  // (2) The governance record, endorsed by the founders whose peers run the committed definition
  // (a peer runs it only once its organisation approved it).
  const endorsing = net.topology.peerOrgs.map((o) => o.mspId).filter((m) => runningIt.includes(m));
  const governance = await approveGovernanceChange(net, org.name, mspId, change, endorsing);
  return {
    org: org.mspId,
    definition: { sequence, signaturePolicy, approvedBy, needed, committed: isCommitted },
    governance,
  };
}
async function approveGovernanceChange(
  net: LocalNetwork,
  orgName: string,
  mspId: string,
  change: MembershipChange,
  endorsing: readonly string[],
): Promise<AdmissionStatus['governance']> {
  const org = orgOf(net, orgName);
  const user = org.users.find((u) => u.role === 'admin');
  if (!user) throw new CliError(`${org.name} has no identity with role admin to approve the governance change`);
  const session = connectAs(net, org.name, user.id);
  const decode = (b: Uint8Array): unknown => JSON.parse(new TextDecoder().decode(b));
  try {
    const current = decode(await session.contract.evaluateTransaction('getGovernance')) as GovernanceState;
    const next = governanceChange(current, mspId, change);
    if (!next) return { version: current.version, members: [...current.members], approvals: [], needed: 0, applied: true };
    let approval: GovernanceApproval | undefined;
    // Right after a commit of the definition the Gateway may not yet see every endorser run it:
    // a few bounded attempts; an approval that did land is reported as such on the next one.
    for (let attempt = 1; !approval; attempt++) {
      try {
        approval = decode(
          await session.contract.submit('approveGovernance', {
            arguments: [JSON.stringify(next)],
            // A majority of the current members (the record's key-level policy) and of the
            // definition's (the approval key's chaincode-level policy).
            endorsingOrganizations: [...endorsing],
          }),
        ) as GovernanceApproval;
      } catch (err) {
        if (/already approved this proposal/.test(detailOf(err))) {
          return { version: current.version, members: [...current.members], approvals: [org.mspId], needed: 0, applied: false };
        }
        if (attempt >= 5 || /FORBIDDEN|INVALID_ARGUMENT|CONFLICT/.test(detailOf(err))) throw err;
        await sleep(2000);
      }
    }
    return {
      version: approval.applied ? next.version : current.version,
      members: [...(approval.applied ? next.members : current.members)],
      approvals: approval.approvals,
      needed: approval.needed,
      applied: approval.applied,
    };
  } catch (err) {
    throw new CliError(`approveGovernance failed: ${detailOf(err)}`, { step: 'governance' });
  } finally {
    session.close();
  }
}

function detailOf(err: unknown): string {
  const e = err as { message?: string; details?: { message?: string }[] };
  return [e.message ?? String(err), ...(e.details ?? []).map((d) => d.message ?? '')].join('; ');
}
