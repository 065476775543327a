import {
  CreateMemberCommand,
  CreateProposalCommand,
  GetProposalCommand,
  RejectInvitationCommand,
  VoteOnProposalCommand,
  paginateListMembers,
  paginateListProposalVotes,
  paginateListProposals,
  type ManagedBlockchainClient,
} from '@aws-sdk/client-managedblockchain';
import { randomUUID } from 'node:crypto';
import { CliError } from '../common/errors';
import { GONE, call } from './state';

/**
 * Network governance: proposals (invite an account, remove a member), votes and invitations.
 * AMB decides a proposal by its network's voting policy; these functions only ask and report.
 */

/** The ID of a member this account owns, by name or ID. */
export async function findOwnedMember(
  client: ManagedBlockchainClient,
  networkId: string,
  nameOrId: string,
): Promise<string> {
  const members = await call('ListMembers', async () => {
    const out: { id: string; name: string; owned: boolean | undefined }[] = [];
    for await (const page of paginateListMembers({ client }, { NetworkId: networkId })) {
      for (const m of page.Members ?? []) {
        if (m.Id && m.Name && !GONE.has(m.Status ?? ''))
          out.push({ id: m.Id, name: m.Name, owned: m.IsOwned });
      }
    }
    return out;
  });
  const m = members.find((x) => x.id === nameOrId || x.name === nameOrId);
  if (!m) throw new CliError(`network ${networkId} has no member ${nameOrId}`);
  if (m.owned === false)
    throw new CliError(`member ${nameOrId} of network ${networkId} belongs to another account`);
  return m.id;
}

export interface ProposalView {
  readonly id: string;
  readonly status: string;
  readonly proposedBy: string;
  readonly description: string | undefined;
  readonly created: string | undefined;
  readonly expires: string | undefined;
  readonly invitations: readonly string[];
  readonly removals: readonly string[];
  readonly yes: number | undefined;
  readonly no: number | undefined;
  readonly outstanding: number | undefined;
  readonly votes: readonly {
    readonly memberId: string;
    readonly memberName: string;
    readonly vote: string;
  }[];
}

export async function createProposal(
  client: ManagedBlockchainClient,
  networkId: string,
  memberId: string,
  actions: { readonly invite: readonly string[]; readonly remove: readonly string[] },
  description: string | undefined,
): Promise<string> {
  if (!actions.invite.length && !actions.remove.length)
    throw new CliError('a proposal needs --invite ACCOUNT or --remove MEMBER');
  for (const a of actions.invite)
    if (!/^\d{12}$/.test(a)) throw new CliError(`--invite ${a}: not a 12-digit AWS account ID`);
  for (const m of actions.remove)
    if (!/^m-[A-Z0-9]{26}$/.test(m)) throw new CliError(`--remove ${m}: not a member ID (m-…)`);
  const out = await call('CreateProposal', () =>
    client.send(
      new CreateProposalCommand({
        // One proposal per command run: a retry inside the SDK reuses the token, a new run makes a new proposal.
        ClientRequestToken: randomUUID(),
        NetworkId: networkId,
        MemberId: memberId,
        Actions: {
          ...(actions.invite.length
            ? { Invitations: actions.invite.map((Principal) => ({ Principal })) }
            : {}),
          ...(actions.remove.length ? { Removals: actions.remove.map((MemberId) => ({ MemberId })) } : {}),
        },
        ...(description ? { Description: description } : {}),
      }),
    ),
  );
  if (!out.ProposalId) throw new CliError('CreateProposal answered without a proposal ID');
  return out.ProposalId;
}

export async function vote(
  client: ManagedBlockchainClient,
  networkId: string,
  proposalId: string,
  memberId: string,
  value: 'YES' | 'NO',
): Promise<ProposalView> {
  await call('VoteOnProposal', () =>
    client.send(
      new VoteOnProposalCommand({
        NetworkId: networkId,
        ProposalId: proposalId,
        VoterMemberId: memberId,
        Vote: value,
      }),
    ),
  );
  return showProposal(client, networkId, proposalId);
}

export async function listProposals(
  client: ManagedBlockchainClient,
  networkId: string,
): Promise<ProposalView[]> {
  const ids = await call('ListProposals', async () => {
    const out: string[] = [];
    for await (const page of paginateListProposals({ client }, { NetworkId: networkId }))
      for (const p of page.Proposals ?? []) if (p.ProposalId) out.push(p.ProposalId);
    return out;
  });
  const views: ProposalView[] = [];
  for (const id of ids) views.push(await showProposal(client, networkId, id));
  return views;
}

/** A proposal with its actions, counts, votes and outcome. */
export async function showProposal(
  client: ManagedBlockchainClient,
  networkId: string,
  proposalId: string,
): Promise<ProposalView> {
  const { Proposal: p } = await call('GetProposal', () =>
    client.send(new GetProposalCommand({ NetworkId: networkId, ProposalId: proposalId })),
  );
  const votes = await call('ListProposalVotes', async () => {
    const out: { memberId: string; memberName: string; vote: string }[] = [];
    for await (const page of paginateListProposalVotes(
      { client },
      { NetworkId: networkId, ProposalId: proposalId },
    )) {
      for (const v of page.ProposalVotes ?? [])
        out.push({ memberId: v.MemberId ?? '', memberName: v.MemberName ?? '', vote: v.Vote ?? '' });
    }
    return out;
  });
  return {
    id: proposalId,
    status: p?.Status ?? 'UNKNOWN',
    proposedBy: `${p?.ProposedByMemberName ?? '?'} (${p?.ProposedByMemberId ?? '?'})`,
    description: p?.Description,
    created: p?.CreationDate?.toISOString(),
    expires: p?.ExpirationDate?.toISOString(),
    invitations: (p?.Actions?.Invitations ?? []).map((i) => i.Principal ?? ''),
    removals: (p?.Actions?.Removals ?? []).map((r) => r.MemberId ?? ''),
    yes: p?.YesVoteCount,
    no: p?.NoVoteCount,
    outstanding: p?.OutstandingVoteCount,
    votes,
  };
}

export function formatProposal(p: ProposalView): string {
  const actions = [
    ...p.invitations.map((a) => `invite account ${a}`),
    ...p.removals.map((m) => `remove member ${m}`),
  ].join(', ');
  return [
    `proposal ${p.id}: ${p.status}`,
    `  proposed by ${p.proposedBy}${p.description ? `: ${p.description}` : ''}`,
    `  actions: ${actions || '(none)'}`,
    `  votes: ${p.yes ?? 0} yes, ${p.no ?? 0} no, ${p.outstanding ?? '?'} outstanding; expires ${p.expires ?? '?'}`,
    ...p.votes.map((v) => `    ${v.vote.padEnd(3)} ${v.memberName} (${v.memberId})`),
  ].join('\n');
}

/** Accepts an invitation: AMB's CreateMember with it. Returns the new member's ID. */
export async function acceptInvitation(
  client: ManagedBlockchainClient,
  networkId: string,
  invitationId: string,
  member: { readonly name: string; readonly adminUsername: string; readonly adminPassword: string },
): Promise<string> {
  const out = await call('CreateMember', () =>
    client.send(
      new CreateMemberCommand({
        ClientRequestToken: randomUUID(),
        InvitationId: invitationId,
        NetworkId: networkId,
        MemberConfiguration: {
          Name: member.name,
          FrameworkConfiguration: {
            Fabric: { AdminUsername: member.adminUsername, AdminPassword: member.adminPassword },
          },
          LogPublishingConfiguration: { Fabric: { CaLogs: { Cloudwatch: { Enabled: false } } } },
        },
      }),
    ),
  );
  if (!out.MemberId) throw new CliError('CreateMember answered without a member ID');
  return out.MemberId;
}

export async function rejectInvitation(client: ManagedBlockchainClient, invitationId: string): Promise<void> {
  await call('RejectInvitation', () =>
    client.send(new RejectInvitationCommand({ InvitationId: invitationId })),
  );
}
