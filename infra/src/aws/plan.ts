import { CliError } from '../common/errors';
import type { AmbSpec, MemberSpec, NetworkSpec, NodeSpec } from './spec';
import type { InvitationState, MemberState, NetworkState, NodeState } from './state';

/** One change `apply` or `destroy` makes, in order. */
export type Step =
  | { readonly kind: 'create-network'; readonly network: NetworkSpec; readonly member: MemberSpec }
  | {
      readonly kind: 'join-network';
      readonly networkId: string;
      readonly invitationId: string;
      readonly member: MemberSpec;
    }
  | { readonly kind: 'add-member'; readonly member: MemberSpec }
  | {
      readonly kind: 'update-member';
      readonly member: MemberSpec;
      readonly memberId: string;
      readonly caLogs: boolean;
    }
  | { readonly kind: 'create-node'; readonly member: string; readonly index: number; readonly node: NodeSpec }
  | {
      readonly kind: 'update-node';
      readonly member: string;
      readonly nodeId: string;
      readonly node: NodeSpec;
    }
  | { readonly kind: 'delete-node'; readonly member: string; readonly node: NodeState }
  | { readonly kind: 'delete-member'; readonly member: string; readonly memberId: string };

export interface Plan {
  readonly networkId: string | undefined;
  readonly networkName: string;
  readonly steps: readonly Step[];
  /** Things left alone that the reader should know. */
  readonly notes: readonly string[];
}

/** What AMB holds now, as far as the plan needs it. */
export interface Current {
  readonly network: NetworkState | undefined;
  readonly invitations: readonly InvitationState[];
}

const sameShape = (a: NodeSpec, b: NodeState): boolean =>
  a.instanceType === b.instanceType && a.availabilityZone === b.availabilityZone && a.stateDb === b.stateDb;
const sameLogs = (a: NodeSpec, b: NodeState): boolean =>
  a.logs.peer === b.logs.peer && a.logs.chaincode === b.logs.chaincode;

/** The steps that bring AMB to the file (pure: unit-tested without AWS). */
export function planApply(spec: AmbSpec, current: Current): Plan {
  const steps: Step[] = [];
  const notes: string[] = [];
  const net = current.network;
  const owned = new Map((net?.members ?? []).filter((m) => m.owned).map((m) => [m.name, m]));
  // Without a network, the first member comes with it (created or joined by invitation).
  const withNetwork = net ? undefined : spec.members[0];
  if (!net) {
    const [head] = spec.members;
    if (!head) throw new CliError(`${spec.source}: no member to create`);
    if (spec.network) {
      steps.push({ kind: 'create-network', network: spec.network, member: head });
    } else if (spec.join) {
      const networkId = spec.join.networkId;
      const invitation = current.invitations.find((i) => i.networkId === networkId && i.status === 'PENDING');
      if (!invitation) {
        throw new CliError(
          `account ${spec.account} has no pending invitation to network ${networkId}: a member must propose inviting it and the network vote it through first`,
        );
      }
      steps.push({ kind: 'join-network', networkId, invitationId: invitation.id, member: head });
    }
    head.nodes.forEach((node, index) => steps.push({ kind: 'create-node', member: head.name, index, node }));
  }
  for (const member of spec.members) {
    if (member === withNetwork) continue;
    const existing = owned.get(member.name);
    if (!existing) {
      steps.push({ kind: 'add-member', member });
      member.nodes.forEach((node, index) =>
        steps.push({ kind: 'create-node', member: member.name, index, node }),
      );
      continue;
    }
    steps.push(...memberChanges(member, existing));
  }
  for (const m of owned.values()) {
    if (!spec.members.some((s) => s.name === m.name)) {
      notes.push(
        `member ${m.name} (${m.id}) of this account is not in the file: left alone (destroy removes only the file's members)`,
      );
    }
  }
  return {
    networkId: net?.id,
    networkName: net?.name ?? spec.network?.name ?? spec.join?.networkId ?? '',
    steps,
    notes,
  };
}

function memberChanges(member: MemberSpec, existing: MemberState): Step[] {
  const steps: Step[] = [];
  if (existing.logs && existing.logs.ca !== member.logs.ca) {
    steps.push({ kind: 'update-member', member, memberId: existing.id, caLogs: member.logs.ca });
  }
  const unmatched = [...existing.nodes];
  const missing: { node: NodeSpec; index: number }[] = [];
  member.nodes.forEach((node, index) => {
    // Prefer a node with the same logging, so that a changed list never swaps settings around.
    const at = unmatched.findIndex((n) => sameShape(node, n) && sameLogs(node, n));
    const i = at >= 0 ? at : unmatched.findIndex((n) => sameShape(node, n));
    const found = i >= 0 ? unmatched.splice(i, 1)[0] : undefined;
    if (!found) missing.push({ node, index });
    else if (!sameLogs(node, found))
      steps.push({ kind: 'update-node', member: member.name, nodeId: found.id, node });
  });
  for (const { node, index } of missing)
    steps.push({ kind: 'create-node', member: member.name, index, node });
  // Nodes cost money by the hour: one the file no longer lists is deleted.
  for (const node of unmatched) steps.push({ kind: 'delete-node', member: member.name, node });
  return steps;
}

/** The steps that remove the file's members and their nodes (the network goes with its last member). */
export function planDestroy(spec: AmbSpec, current: Current): Plan {
  const steps: Step[] = [];
  const notes: string[] = [];
  const net = current.network;
  if (net) {
    const names = new Set(spec.members.map((m) => m.name));
    const mine = net.members.filter((m) => m.owned && names.has(m.name));
    for (const m of mine)
      for (const node of m.nodes) steps.push({ kind: 'delete-node', member: m.name, node });
    for (const m of mine) steps.push({ kind: 'delete-member', member: m.name, memberId: m.id });
    const others = net.members.filter((m) => !mine.includes(m));
    if (others.length)
      notes.push(
        `network ${net.id} stays: ${others.length} other member(s) remain (${others.map((m) => m.name).join(', ')})`,
      );
    else if (mine.length)
      notes.push(`network ${net.id} goes with its last member (AMB has no DeleteNetwork)`);
  }
  return {
    networkId: net?.id,
    networkName: net?.name ?? spec.network?.name ?? spec.join?.networkId ?? '',
    steps,
    notes,
  };
}

const onOff = (b: boolean): string => (b ? 'on' : 'off');
const nodeText = (n: NodeSpec | NodeState): string =>
  `${n.instanceType} in ${n.availabilityZone}, ${n.stateDb}`;

/** One line per step, `+` create, `~` change, `-` delete; the diff shown before acting. */
export function describeStep(step: Step, account: string): string {
  switch (step.kind) {
    case 'create-network':
      return `+ network ${step.network.name}: ${step.network.edition}, Fabric ${step.network.frameworkVersion}, approval ${step.network.voting.comparator === 'GREATER_THAN' ? '>' : '>='} ${step.network.voting.thresholdPercentage}% within ${step.network.voting.proposalDurationHours} h\n+ member ${step.member.name} (created with the network)`;
    case 'join-network':
      return `+ member ${step.member.name} (accepts invitation ${step.invitationId} to ${step.networkId})`;
    case 'add-member':
      return `+ member ${step.member.name} (proposal inviting account ${account}, voted YES by this account's member, then accepted)`;
    case 'update-member':
      return `~ member ${step.member.name}: CA logs ${onOff(!step.caLogs)} -> ${onOff(step.caLogs)}`;
    case 'create-node':
      return `+ node of ${step.member}: ${nodeText(step.node)}`;
    case 'update-node':
      return `~ node ${step.nodeId} of ${step.member}: peer logs ${onOff(step.node.logs.peer)}, chaincode logs ${onOff(step.node.logs.chaincode)}`;
    case 'delete-node':
      return `- node ${step.node.id} of ${step.member} (${nodeText(step.node)})`;
    case 'delete-member':
      return `- member ${step.member} (${step.memberId})`;
  }
}

/** The whole plan as text. */
export function formatPlan(plan: Plan, account: string): string {
  const head = `network ${plan.networkName}${plan.networkId ? ` (${plan.networkId})` : ''}`;
  const body = plan.steps.length ? plan.steps.map((s) => describeStep(s, account)) : ['no changes'];
  return [head, ...body, ...plan.notes.map((n) => `note: ${n}`)].join('\n');
}
