import { majorityOf } from '@waybill/chaincode/constants';
import { CliError } from '../common/errors';
import type { Topology } from '../topology/topology';

/** The chaincode's governance record as `getGovernance` returns it (the fields a change carries). */
export interface GovernanceState {
  readonly version: number;
  readonly members: readonly string[];
  readonly oversight: readonly string[];
}

export type MembershipChange = 'add' | 'remove';

/**
 * The chaincode endorsement policy for a member set: a majority of the members' peers. The
 * topology's own policy (its exact text) when the members are the topology's peer organisations,
 * so a network whose partner left is back to the definition `chaincode deploy` makes; otherwise
 * the topology's organisations in their order, then the others sorted.
 * @throws CliError for an empty member set.
 */
export function memberPolicy(topology: Pick<Topology, 'peerOrgs' | 'traits' | 'chaincode'>, members: readonly string[]): string {
  if (members.length === 0) throw new CliError('a chaincode endorsement policy needs at least one member');
  const founders = topology.peerOrgs.map((o) => o.mspId);
  const set = new Set(members);
  if (set.size === founders.length && founders.every((m) => set.has(m))) return topology.chaincode.signaturePolicy;
  const ordered = [...founders.filter((m) => set.has(m)), ...[...set].filter((m) => !founders.includes(m)).sort()];
  // Without Node OUs (amb profile) an MSP cannot tell a peer from a client: `member`, as there.
  const role = topology.traits.nodeOus ? 'peer' : 'member';
  return `OutOf(${majorityOf(ordered.length)}, ${ordered.map((m) => `'${m}.${role}'`).join(', ')})`;
}

/**
 * The next governance record with `mspId` added to (or removed from) the members, oversight kept
 * (a removed oversight organisation leaves that list too); undefined when nothing would change.
 * @throws CliError when the change would leave fewer than two members or no trading member.
 */
export function governanceChange(current: GovernanceState, mspId: string, change: MembershipChange): GovernanceState | undefined {
  const has = current.members.includes(mspId);
  if ((change === 'add') === has) return undefined;
  const members = change === 'add' ? [...current.members, mspId].sort() : current.members.filter((m) => m !== mspId);
  const oversight = current.oversight.filter((m) => members.includes(m));
  if (members.length < 2) throw new CliError(`removing ${mspId} would leave fewer than two members`);
  if (members.every((m) => oversight.includes(m))) throw new CliError(`removing ${mspId} would leave no trading member`);
  return { version: current.version + 1, members, oversight };
}

/** Approvals a lifecycle commit needs: the channel's LifecycleEndorsement is MAJORITY Endorsement. */
export function commitQuorum(channelOrgs: number): number {
  return majorityOf(channelOrgs);
}
