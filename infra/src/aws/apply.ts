import { createHash } from 'node:crypto';
import {
  CreateMemberCommand,
  CreateNetworkCommand,
  CreateNodeCommand,
  CreateProposalCommand,
  DeleteMemberCommand,
  DeleteNodeCommand,
  GetMemberCommand,
  GetNetworkCommand,
  GetNodeCommand,
  GetProposalCommand,
  UpdateMemberCommand,
  UpdateNodeCommand,
  VoteOnProposalCommand,
  paginateListProposals,
  type ManagedBlockchainClient,
  type MemberConfiguration,
  type MemberFabricLogPublishingConfiguration,
  type NodeLogPublishingConfiguration,
} from '@aws-sdk/client-managedblockchain';
import { CliError } from '../common/errors';
import { ambErrorName, pollUntil, whenReady, type PollOptions } from './client';
import { findOwnedMember } from './governance';
import { describeStep, type Step } from './plan';
import { adminPassword, type AmbSpec, type MemberSpec, type NodeSpec } from './spec';
import { GONE, call, listInvitations } from './state';

export interface ApplyContext {
  readonly client: ManagedBlockchainClient;
  readonly spec: AmbSpec;
  readonly poll: PollOptions;
  readonly progress: (line: string) => void;
  readonly env?: NodeJS.ProcessEnv;
}

/** What one applied step did, for `--json` and the summary. */
export interface AppliedStep {
  readonly step: string;
  readonly ids: Readonly<Record<string, string>>;
}

/**
 * A stable ClientRequestToken: AMB treats a retried create with the same token as the same request
 * (no second network/member/node after a lost answer or a re-run within the service's window).
 */
export function requestToken(...parts: readonly (string | number)[]): string {
  return `waybill-${createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 40)}`;
}

const memberLogs = (m: MemberSpec): MemberFabricLogPublishingConfiguration => ({
  CaLogs: { Cloudwatch: { Enabled: m.logs.ca } },
});
const nodeLogs = (n: NodeSpec): NodeLogPublishingConfiguration => ({
  Fabric: {
    PeerLogs: { Cloudwatch: { Enabled: n.logs.peer } },
    ChaincodeLogs: { Cloudwatch: { Enabled: n.logs.chaincode } },
  },
});

function memberConfig(m: MemberSpec, env: NodeJS.ProcessEnv): MemberConfiguration {
  return {
    Name: m.name,
    ...(m.description ? { Description: m.description } : {}),
    FrameworkConfiguration: {
      Fabric: { AdminUsername: m.adminUsername, AdminPassword: adminPassword(m, env) },
    },
    LogPublishingConfiguration: { Fabric: memberLogs(m) },
  };
}

/** Runs the plan's steps in order, waiting for AMB after each create; stops at the first failure. */
export async function applySteps(
  ctx: ApplyContext,
  networkIdAtStart: string | undefined,
  steps: readonly Step[],
): Promise<{ networkId: string | undefined; applied: AppliedStep[] }> {
  let networkId = networkIdAtStart;
  const memberIds = new Map<string, string>();
  const applied: AppliedStep[] = [];
  const env = ctx.env ?? process.env;
  // Passwords are checked before anything is created, so that a missing one stops nothing half-done.
  for (const s of steps) {
    if (s.kind === 'create-network' || s.kind === 'join-network' || s.kind === 'add-member')
      adminPassword(s.member, env);
  }
  const need = (): string => {
    if (!networkId) throw new CliError('no network to act on');
    return networkId;
  };
  const memberId = async (name: string): Promise<string> => {
    const known = memberIds.get(name);
    if (known) return known;
    const id = await findOwnedMember(ctx.client, need(), name);
    memberIds.set(name, id);
    return id;
  };
  for (const step of steps) {
    ctx.progress(describeStep(step, ctx.spec.account).split('\n').join('; '));
    switch (step.kind) {
      case 'create-network': {
        const n = step.network;
        const out = await call('CreateNetwork', () =>
          ctx.client.send(
            new CreateNetworkCommand({
              ClientRequestToken: requestToken('create-network', ctx.spec.account, n.name),
              Name: n.name,
              ...(n.description ? { Description: n.description } : {}),
              Framework: 'HYPERLEDGER_FABRIC',
              FrameworkVersion: n.frameworkVersion,
              FrameworkConfiguration: { Fabric: { Edition: n.edition } },
              VotingPolicy: {
                ApprovalThresholdPolicy: {
                  ThresholdPercentage: n.voting.thresholdPercentage,
                  ProposalDurationInHours: n.voting.proposalDurationHours,
                  ThresholdComparator: n.voting.comparator,
                },
              },
              MemberConfiguration: memberConfig(step.member, env),
            }),
          ),
        );
        if (!out.NetworkId || !out.MemberId)
          throw new CliError('CreateNetwork answered without network or member ID');
        networkId = out.NetworkId;
        memberIds.set(step.member.name, out.MemberId);
        await waitNetwork(ctx, out.NetworkId);
        await waitMember(ctx, out.NetworkId, out.MemberId, step.member.name);
        applied.push({ step: step.kind, ids: { networkId: out.NetworkId, memberId: out.MemberId } });
        break;
      }
      case 'join-network': {
        networkId = step.networkId;
        const id = await createMember(ctx, step.networkId, step.invitationId, step.member, env);
        memberIds.set(step.member.name, id);
        applied.push({
          step: step.kind,
          ids: { networkId: step.networkId, memberId: id, invitationId: step.invitationId },
        });
        break;
      }
      case 'add-member': {
        const proposer =
          ctx.spec.members.find((m) => m !== step.member && memberIds.has(m.name)) ?? ctx.spec.members[0];
        if (!proposer || proposer === step.member)
          throw new CliError(`member ${step.member.name}: no member of this account to propose it`);
        const proposerId = await memberId(proposer.name);
        const invitationId = await inviteSelf(ctx, need(), proposerId, step.member.name);
        const id = await createMember(ctx, need(), invitationId, step.member, env);
        memberIds.set(step.member.name, id);
        applied.push({ step: step.kind, ids: { memberId: id, invitationId } });
        break;
      }
      case 'update-member': {
        await call('UpdateMember', () =>
          ctx.client.send(
            new UpdateMemberCommand({
              NetworkId: need(),
              MemberId: step.memberId,
              LogPublishingConfiguration: { Fabric: memberLogs(step.member) },
            }),
          ),
        );
        applied.push({ step: step.kind, ids: { memberId: step.memberId } });
        break;
      }
      case 'create-node': {
        const mid = await memberId(step.member);
        const out = await call('CreateNode', () =>
          whenReady(
            () =>
              ctx.client.send(
                new CreateNodeCommand({
                  ClientRequestToken: requestToken(
                    'create-node',
                    need(),
                    mid,
                    step.index,
                    step.node.instanceType,
                    step.node.availabilityZone,
                    step.node.stateDb,
                  ),
                  NetworkId: need(),
                  MemberId: mid,
                  NodeConfiguration: {
                    InstanceType: step.node.instanceType,
                    AvailabilityZone: step.node.availabilityZone,
                    StateDB: step.node.stateDb,
                    LogPublishingConfiguration: nodeLogs(step.node),
                  },
                }),
              ),
            ctx.poll,
          ),
        );
        if (!out.NodeId) throw new CliError('CreateNode answered without a node ID');
        const nodeId = out.NodeId;
        await pollUntil(
          `node ${nodeId} of ${step.member}`,
          () => ctx.client.send(new GetNodeCommand({ NetworkId: need(), MemberId: mid, NodeId: nodeId })),
          (r) => r.Node?.Status ?? 'UNKNOWN',
          (r) => r.Node?.Status === 'AVAILABLE',
          (r) => GONE.has(r.Node?.Status ?? '') || r.Node?.Status === 'UNHEALTHY',
          ctx.poll,
          ctx.progress,
        ).catch((err: unknown) => {
          throw wrap('GetNode', err);
        });
        applied.push({ step: step.kind, ids: { memberId: mid, nodeId } });
        break;
      }
      case 'update-node': {
        const mid = await memberId(step.member);
        await call('UpdateNode', () =>
          ctx.client.send(
            new UpdateNodeCommand({
              NetworkId: need(),
              MemberId: mid,
              NodeId: step.nodeId,
              LogPublishingConfiguration: nodeLogs(step.node),
            }),
          ),
        );
        applied.push({ step: step.kind, ids: { nodeId: step.nodeId } });
        break;
      }
      case 'delete-node': {
        const mid = await memberId(step.member);
        await call('DeleteNode', () =>
          ctx.client.send(new DeleteNodeCommand({ NetworkId: need(), MemberId: mid, NodeId: step.node.id })),
        );
        await waitGone(ctx, `node ${step.node.id}`, () =>
          ctx.client
            .send(new GetNodeCommand({ NetworkId: need(), MemberId: mid, NodeId: step.node.id }))
            .then((r) => r.Node?.Status),
        );
        applied.push({ step: step.kind, ids: { nodeId: step.node.id } });
        break;
      }
      case 'delete-member': {
        await call('DeleteMember', () =>
          ctx.client.send(new DeleteMemberCommand({ NetworkId: need(), MemberId: step.memberId })),
        );
        await waitGone(ctx, `member ${step.member}`, () =>
          ctx.client
            .send(new GetMemberCommand({ NetworkId: need(), MemberId: step.memberId }))
            .then((r) => r.Member?.Status),
        );
        applied.push({ step: step.kind, ids: { memberId: step.memberId } });
        break;
      }
    }
  }
  return { networkId, applied };
}

function wrap(operation: string, err: unknown): CliError {
  if (err instanceof CliError) return err;
  return new CliError(
    `${operation} failed while waiting: ${(err as Error).message.split('\n')[0] ?? ''}`,
    { cause: err },
  );
}

async function waitNetwork(ctx: ApplyContext, networkId: string): Promise<void> {
  await pollUntil(
    `network ${networkId}`,
    () => ctx.client.send(new GetNetworkCommand({ NetworkId: networkId })),
    (r) => r.Network?.Status ?? 'UNKNOWN',
    (r) => r.Network?.Status === 'AVAILABLE',
    (r) => GONE.has(r.Network?.Status ?? ''),
    ctx.poll,
    ctx.progress,
  ).catch((err: unknown) => {
    throw wrap('GetNetwork', err);
  });
}

async function waitMember(
  ctx: ApplyContext,
  networkId: string,
  memberId: string,
  name: string,
): Promise<void> {
  await pollUntil(
    `member ${name} (${memberId})`,
    () => ctx.client.send(new GetMemberCommand({ NetworkId: networkId, MemberId: memberId })),
    (r) => r.Member?.Status ?? 'UNKNOWN',
    (r) => r.Member?.Status === 'AVAILABLE',
    (r) => GONE.has(r.Member?.Status ?? ''),
    ctx.poll,
    ctx.progress,
  ).catch((err: unknown) => {
    throw wrap('GetMember', err);
  });
}

/** Waits until a deleted resource reads DELETED or is not found any more. */
async function waitGone(
  ctx: ApplyContext,
  what: string,
  status: () => Promise<string | undefined>,
): Promise<void> {
  await pollUntil(
    what,
    async () => {
      try {
        return (await status()) ?? 'DELETED';
      } catch (err) {
        if (ambErrorName(err) === 'ResourceNotFoundException') return 'DELETED';
        throw err;
      }
    },
    (s) => s,
    (s) => s === 'DELETED',
    () => false,
    ctx.poll,
    ctx.progress,
  ).catch((err: unknown) => {
    throw wrap('delete', err);
  });
}

async function createMember(
  ctx: ApplyContext,
  networkId: string,
  invitationId: string,
  member: MemberSpec,
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const out = await call('CreateMember', () =>
    ctx.client.send(
      new CreateMemberCommand({
        ClientRequestToken: requestToken('create-member', networkId, invitationId, member.name),
        InvitationId: invitationId,
        NetworkId: networkId,
        MemberConfiguration: memberConfig(member, env),
      }),
    ),
  );
  if (!out.MemberId) throw new CliError('CreateMember answered without a member ID');
  await waitMember(ctx, networkId, out.MemberId, member.name);
  return out.MemberId;
}

/**
 * An invitation for this account to the network: a pending one if there is, else this account's
 * proposal inviting it (an open one is reused), voted YES by `proposerId`. A proposal that still
 * needs other members' votes stops the run with its ID, to be continued by a later `apply`.
 */
async function inviteSelf(
  ctx: ApplyContext,
  networkId: string,
  proposerId: string,
  memberName: string,
): Promise<string> {
  const pending = (await listInvitations(ctx.client)).find(
    (i) => i.networkId === networkId && i.status === 'PENDING',
  );
  if (pending) return pending.id;
  const open = await call('ListProposals', async () => {
    for await (const page of paginateListProposals({ client: ctx.client }, { NetworkId: networkId })) {
      for (const p of page.Proposals ?? []) {
        if (p.Status !== 'IN_PROGRESS' || p.ProposedByMemberId !== proposerId || !p.ProposalId) continue;
        const { Proposal: full } = await ctx.client.send(
          new GetProposalCommand({ NetworkId: networkId, ProposalId: p.ProposalId }),
        );
        if (full?.Actions?.Invitations?.some((i) => i.Principal === ctx.spec.account)) return p.ProposalId;
      }
    }
    return undefined;
  });
  const proposalId =
    open ??
    (
      await call('CreateProposal', () =>
        ctx.client.send(
          new CreateProposalCommand({
            ClientRequestToken: requestToken('invite-self', networkId, ctx.spec.account, memberName),
            NetworkId: networkId,
            MemberId: proposerId,
            Actions: { Invitations: [{ Principal: ctx.spec.account }] },
            Description: `waybill: a member ${memberName} for account ${ctx.spec.account}`,
          }),
        ),
      )
    ).ProposalId;
  if (!proposalId) throw new CliError('CreateProposal answered without a proposal ID');
  ctx.progress(`proposal ${proposalId} invites account ${ctx.spec.account}`);
  try {
    await ctx.client.send(
      new VoteOnProposalCommand({
        NetworkId: networkId,
        ProposalId: proposalId,
        VoterMemberId: proposerId,
        Vote: 'YES',
      }),
    );
  } catch (err) {
    // Voted already in an earlier run.
    if (
      ambErrorName(err) !== 'ResourceAlreadyExistsException' &&
      ambErrorName(err) !== 'InvalidRequestException'
    )
      throw wrap('VoteOnProposal', err);
  }
  const { Proposal: p } = await call('GetProposal', () =>
    ctx.client.send(new GetProposalCommand({ NetworkId: networkId, ProposalId: proposalId })),
  );
  if (p?.Status === 'IN_PROGRESS') {
    throw new CliError(
      `proposal ${proposalId} inviting account ${ctx.spec.account} needs more votes (${p.YesVoteCount ?? 0} yes, ${p.OutstandingVoteCount ?? '?'} outstanding): run apply again once it is approved`,
    );
  }
  if (p?.Status !== 'APPROVED')
    throw new CliError(
      `proposal ${proposalId} inviting account ${ctx.spec.account} ended ${p?.Status ?? 'UNKNOWN'}`,
    );
  const invitation = await pollUntil(
    `invitation from proposal ${proposalId}`,
    async () =>
      (await listInvitations(ctx.client)).find((i) => i.networkId === networkId && i.status === 'PENDING'),
    (i) => (i ? 'PENDING' : 'NOT_YET'),
    (i) => i !== undefined,
    () => false,
    ctx.poll,
    ctx.progress,
  );
  if (!invitation) throw new CliError(`no invitation appeared for proposal ${proposalId}`);
  return invitation.id;
}
