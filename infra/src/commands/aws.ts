import { Command, Option } from 'commander';
import type { ManagedBlockchainClient } from '@aws-sdk/client-managedblockchain';
import { CliError } from '../common/errors';
import { envBool } from '../common/flags';
import { applySteps } from '../aws/apply';
import { ambError, newAmbClient, pollOptions } from '../aws/client';
import {
  acceptInvitation,
  createProposal,
  findOwnedMember,
  formatProposal,
  listProposals,
  rejectInvitation,
  showProposal,
  vote,
} from '../aws/governance';
import { describeStep, formatPlan, planApply, planDestroy, type Current, type Plan } from '../aws/plan';
import { adminPassword, loadAmbSpec, type AmbSpec } from '../aws/spec';
import { findNetwork, listInvitations, listNetworks, readNetwork, type NetworkState } from '../aws/state';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ambProfile, memberKey, writeAmbConnection } from '../aws/connect';
import { enroll } from '../identity/ca-client';
import { lockDown, writeMsp } from '../identity/fabric-ca';
import { printProgress } from './options';

interface JsonFlag {
  json?: boolean;
}
interface FileFlags extends JsonFlag {
  file: string;
}

const fileOption = (): Option =>
  new Option('-f, --file <path>', 'the declarative AMB file (YAML or JSON)')
    .env('WAYBILL_AWS_FILE')
    .makeOptionMandatory();
const networkOption = (): Option =>
  new Option('--network <id-or-name>', 'the AMB network').env('WAYBILL_AWS_NETWORK').makeOptionMandatory();
const memberOption = (what: string): Option =>
  new Option('--member <name-or-id>', `this account's member that ${what}`)
    .env('WAYBILL_AWS_MEMBER')
    .makeOptionMandatory();
const jsonOption = (): Option => new Option('--json', 'machine-readable output on stdout');

function out(flags: JsonFlag, value: unknown, text: string): void {
  process.stdout.write(flags.json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
}

/** The AZs of the file must be in the region the SDK's chain resolved. */
async function checkRegion(client: ManagedBlockchainClient, spec: AmbSpec): Promise<void> {
  let region: string;
  try {
    region = await client.config.region();
  } catch (err) {
    throw ambError('configuration', err);
  }
  for (const m of spec.members) {
    for (const n of m.nodes) {
      if (!n.availabilityZone.startsWith(region)) {
        throw new CliError(
          `${spec.source}: member ${m.name}: availability zone ${n.availabilityZone} is not in region ${region} (AWS_REGION or the profile's region)`,
        );
      }
    }
  }
}

async function readCurrent(client: ManagedBlockchainClient, spec: AmbSpec): Promise<Current> {
  await checkRegion(client, spec);
  const invitations = spec.join ? await listInvitations(client) : [];
  let id: string | undefined;
  if (spec.network) id = await findNetwork(client, spec.network.name);
  else if (spec.join) {
    const joinId = spec.join.networkId;
    id = (await listNetworks(client)).find((n) => n.id === joinId)?.id;
  }
  const network = id ? await readNetwork(client, id, new Set(spec.members.map((m) => m.name))) : undefined;
  return { network, invitations };
}

function planJson(plan: Plan, account: string): unknown {
  return {
    networkId: plan.networkId ?? null,
    network: plan.networkName,
    changes: plan.steps.map((s) => ({ kind: s.kind, text: describeStep(s, account) })),
    notes: plan.notes,
  };
}

async function resolveNetworkId(client: ManagedBlockchainClient, idOrName: string): Promise<string> {
  if (/^n-[A-Z0-9]{26}$/.test(idOrName)) return idOrName;
  const id = await findNetwork(client, idOrName);
  if (!id) throw new CliError(`this account has no network named ${idOrName}`);
  return id;
}

export function formatNetwork(n: NetworkState): string {
  const lines = [
    `network ${n.name} (${n.id}): ${n.status}, ${n.edition ?? '?'} edition, Fabric ${n.frameworkVersion ?? '?'}`,
    `  ordering service ${n.ordererEndpoint ?? '-'}`,
    `  VPC endpoint service ${n.vpcEndpointServiceName ?? '-'}`,
  ];
  for (const m of n.members) {
    lines.push(
      `  member ${m.name} (${m.id}): ${m.status}${m.owned ? `, owned, MSP ID ${m.id}` : ', another account'}`,
    );
    if (m.caEndpoint) lines.push(`    CA ${m.caEndpoint} (admin ${m.adminUsername ?? '?'})`);
    for (const node of m.nodes) {
      lines.push(
        `    node ${node.id}: ${node.status}, ${node.instanceType} in ${node.availabilityZone}, ${node.stateDb}`,
      );
      lines.push(`      peer ${node.peerEndpoint ?? '-'}  events ${node.peerEventEndpoint ?? '-'}`);
    }
  }
  return lines.join('\n');
}

/** Reads the file and AMB as it is, and plans (apply or destroy) from the two. */
async function planFromFile(
  flags: FileFlags,
  planner: (spec: AmbSpec, current: Current) => Plan,
): Promise<{ spec: AmbSpec; client: ManagedBlockchainClient; plan: Plan }> {
  const spec = loadAmbSpec(flags.file);
  const client = newAmbClient();
  return { spec, client, plan: planner(spec, await readCurrent(client, spec)) };
}

export function registerAwsCommands(program: Command): void {
  const aws = program
    .command('aws')
    .description(
      'AWS Managed Blockchain (closing: no new customers since 2026-10-29, gone after 2027-09-29); credentials, region and endpoint from the AWS SDK chain',
    );

  aws
    .command('plan')
    .description('show what apply would change (nothing is changed)')
    .addOption(fileOption())
    .addOption(jsonOption())
    .action(async (flags: FileFlags) => {
      const { spec, plan } = await planFromFile(flags, planApply);
      out(flags, planJson(plan, spec.account), formatPlan(plan, spec.account));
    });

  aws
    .command('apply')
    .description('bring AMB to the file: shows the changes, then makes them and waits for AMB (idempotent)')
    .addOption(fileOption())
    .addOption(jsonOption())
    .action(async (flags: FileFlags) => {
      const { spec, client, plan } = await planFromFile(flags, planApply);
      if (!flags.json) process.stdout.write(`${formatPlan(plan, spec.account)}\n`);
      const { networkId, applied } = await applySteps(
        { client, spec, poll: pollOptions(), progress: printProgress },
        plan.networkId,
        plan.steps,
      );
      const network = networkId
        ? await readNetwork(client, networkId, new Set(spec.members.map((m) => m.name)))
        : undefined;
      if (flags.json)
        out(flags, { plan: planJson(plan, spec.account), applied, network: network ?? null }, '');
      else {
        printProgress(plan.steps.length ? `applied ${applied.length} change(s)` : 'nothing to change');
        if (network) process.stdout.write(`${formatNetwork(network)}\n`);
      }
    });

  aws
    .command('destroy')
    .description("delete the file's members and their nodes (the network goes with its last member)")
    .addOption(fileOption())
    .addOption(
      new Option('--yes', 'really delete (peers, ledgers and the member CA are lost)').env('WAYBILL_AWS_YES'),
    )
    .addOption(jsonOption())
    .action(async (flags: FileFlags & { yes?: boolean }) => {
      const { spec, client, plan } = await planFromFile(flags, planDestroy);
      if (!flags.json) process.stdout.write(`${formatPlan(plan, spec.account)}\n`);
      const yes = flags.yes === true || envBool('WAYBILL_AWS_YES') === true;
      if (plan.steps.length && !yes) {
        throw new CliError(
          `destroy would delete ${plan.steps.length} resource(s) listed above: run it again with --yes`,
        );
      }
      const { applied } = await applySteps(
        { client, spec, poll: pollOptions(), progress: printProgress },
        plan.networkId,
        plan.steps,
      );
      if (flags.json) out(flags, { plan: planJson(plan, spec.account), applied }, '');
      else printProgress(plan.steps.length ? `deleted ${applied.length} resource(s)` : 'nothing to delete');
    });

  aws
    .command('status')
    .description(
      "network, members, nodes and their endpoints (the file's network, one --network, or all of this account's)",
    )
    .addOption(new Option('-f, --file <path>', 'the declarative AMB file').env('WAYBILL_AWS_FILE'))
    .addOption(new Option('--network <id-or-name>', 'one network').env('WAYBILL_AWS_NETWORK'))
    .addOption(jsonOption())
    .action(async (flags: JsonFlag & { file?: string; network?: string }) => {
      const client = newAmbClient();
      let ids: string[];
      let owned = new Set<string>();
      if (flags.network) ids = [await resolveNetworkId(client, flags.network)];
      else if (flags.file) {
        const spec = loadAmbSpec(flags.file);
        owned = new Set(spec.members.map((m) => m.name));
        const current = await readCurrent(client, spec);
        ids = current.network ? [current.network.id] : [];
      } else ids = (await listNetworks(client)).map((n) => n.id);
      const networks: NetworkState[] = [];
      for (const id of ids) networks.push(await readNetwork(client, id, owned));
      out(flags, { networks }, networks.length ? networks.map(formatNetwork).join('\n') : 'no network');
    });

  aws
    .command('connect')
    .description(
      "enrol this account's member admin at the member CA and write the gateway's connection profile and identity files",
    )
    .addOption(networkOption())
    .addOption(memberOption('connects'))
    .addOption(
      new Option('--tls-chain <pem>', "the region's AMB TLS chain file (one for every endpoint)")
        .env('WAYBILL_AWS_TLS_CHAIN')
        .makeOptionMandatory(),
    )
    .addOption(
      new Option('--out <dir>', 'where to write the profile, TLS chain and MSP')
        .env('WAYBILL_AWS_OUT')
        .makeOptionMandatory(),
    )
    .addOption(
      new Option('--channel <name>', 'channel the gateway uses')
        .env('WAYBILL_AWS_CHANNEL')
        .default('supplychain'),
    )
    .addOption(
      new Option('--chaincode <name>', 'chaincode the gateway calls')
        .env('WAYBILL_AWS_CHAINCODE')
        .default('waybill'),
    )
    .addOption(
      new Option(
        '--admin-password-env <VAR>',
        'environment variable holding the member admin password',
      ).default('WAYBILL_AMB_ADMIN_PASSWORD'),
    )
    .addOption(jsonOption())
    .action(
      async (
        flags: JsonFlag & {
          network: string;
          member: string;
          tlsChain: string;
          out: string;
          channel: string;
          chaincode: string;
          adminPasswordEnv: string;
        },
      ) => {
        if (!existsSync(flags.tlsChain))
          throw new CliError(`--tls-chain ${flags.tlsChain}: no such file`);
        const secret = process.env[flags.adminPasswordEnv];
        if (!secret) throw new CliError(`set the member admin password in ${flags.adminPasswordEnv}`);
        const client = newAmbClient();
        const networkId = await resolveNetworkId(client, flags.network);
        const memberId = await findOwnedMember(client, networkId, flags.member);
        const network = await readNetwork(client, networkId);
        const member = network.members.find((m) => m.id === memberId);
        if (!member?.caEndpoint || !member.adminUsername)
          throw new CliError(
            `member ${flags.member} reports no CA endpoint yet (status ${member?.status ?? '?'})`,
          );
        const profile = ambProfile(network, member, {
          channel: flags.channel,
          chaincode: flags.chaincode,
          adminId: member.adminUsername,
        });
        const mspDir = path.join(flags.out, memberKey(member), 'msp');
        // The member CA is a Fabric CA; its default CA (no name) issues the member's identities.
        const enrolled = await enroll(
          { url: `https://${member.caEndpoint}`, caName: '', tlsRootCert: readFileSync(flags.tlsChain) },
          { id: member.adminUsername, secret },
        );
        writeMsp(mspDir, enrolled);
        lockDown(path.dirname(mspDir));
        const written = writeAmbConnection(flags.out, flags.tlsChain, member, profile);
        out(
          flags,
          { ...written, mspId: member.id },
          `wrote ${written.profileFile} (MSP ID ${member.id}, ${(profile['peers'] as unknown[]).length} peer(s)); identity in ${written.mspDir}`,
        );
      },
    );

  const proposal = aws.command('proposal').description('governance: propose, vote, inspect');
  proposal
    .command('create')
    .description('propose inviting AWS accounts and/or removing members')
    .addOption(networkOption())
    .addOption(memberOption('proposes'))
    .addOption(new Option('--invite <account...>', 'AWS account IDs to invite'))
    .addOption(new Option('--remove <member-id...>', 'member IDs to remove'))
    .addOption(new Option('--description <text>', 'why'))
    .addOption(jsonOption())
    .action(
      async (
        flags: JsonFlag & {
          network: string;
          member: string;
          invite?: string[];
          remove?: string[];
          description?: string;
        },
      ) => {
        const client = newAmbClient();
        const networkId = await resolveNetworkId(client, flags.network);
        const memberId = await findOwnedMember(client, networkId, flags.member);
        const id = await createProposal(
          client,
          networkId,
          memberId,
          { invite: flags.invite ?? [], remove: flags.remove ?? [] },
          flags.description,
        );
        const view = await showProposal(client, networkId, id);
        out(flags, view, formatProposal(view));
      },
    );
  proposal
    .command('vote')
    .description("vote on a proposal with this account's member")
    .argument('<proposal-id>')
    .addOption(networkOption())
    .addOption(memberOption('votes'))
    .addOption(
      new Option('--vote <yes|no>', 'the vote')
        .choices(['yes', 'no', 'YES', 'NO'])
        .env('WAYBILL_AWS_VOTE')
        .makeOptionMandatory(),
    )
    .addOption(jsonOption())
    .action(
      async (proposalId: string, flags: JsonFlag & { network: string; member: string; vote: string }) => {
        const client = newAmbClient();
        const networkId = await resolveNetworkId(client, flags.network);
        const memberId = await findOwnedMember(client, networkId, flags.member);
        const view = await vote(
          client,
          networkId,
          proposalId,
          memberId,
          flags.vote.toUpperCase() === 'YES' ? 'YES' : 'NO',
        );
        out(flags, view, formatProposal(view));
      },
    );
  proposal
    .command('list')
    .description("the network's proposals with votes and outcome")
    .addOption(networkOption())
    .addOption(jsonOption())
    .action(async (flags: JsonFlag & { network: string }) => {
      const client = newAmbClient();
      const views = await listProposals(client, await resolveNetworkId(client, flags.network));
      out(flags, { proposals: views }, views.length ? views.map(formatProposal).join('\n') : 'no proposals');
    });
  proposal
    .command('show')
    .description('one proposal: actions, votes, outcome')
    .argument('<proposal-id>')
    .addOption(networkOption())
    .addOption(jsonOption())
    .action(async (proposalId: string, flags: JsonFlag & { network: string }) => {
      const client = newAmbClient();
      const view = await showProposal(client, await resolveNetworkId(client, flags.network), proposalId);
      out(flags, view, formatProposal(view));
    });

  const invitation = aws.command('invitation').description("this account's invitations to networks");
  invitation
    .command('list')
    .addOption(jsonOption())
    .action(async (flags: JsonFlag) => {
      const all = await listInvitations(newAmbClient());
      out(
        flags,
        { invitations: all },
        all.length
          ? all
              .map(
                (i) =>
                  `${i.id}: ${i.status}, network ${i.networkName ?? '?'} (${i.networkId}), expires ${i.expires ?? '?'}`,
              )
              .join('\n')
          : 'no invitations',
      );
    });
  invitation
    .command('accept')
    .description(
      'join the network with a new member (the member admin password comes from an environment variable)',
    )
    .argument('<invitation-id>')
    .addOption(
      new Option('--member-name <name>', 'name of the new member')
        .env('WAYBILL_AWS_MEMBER_NAME')
        .makeOptionMandatory(),
    )
    .addOption(
      new Option('--admin-username <name>', 'member CA admin user')
        .env('WAYBILL_AWS_ADMIN_USERNAME')
        .default('admin'),
    )
    .addOption(
      new Option('--admin-password-env <VAR>', 'environment variable holding the admin password').default(
        'WAYBILL_AMB_ADMIN_PASSWORD',
      ),
    )
    .addOption(jsonOption())
    .action(
      async (
        invitationId: string,
        flags: JsonFlag & { memberName: string; adminUsername: string; adminPasswordEnv: string },
      ) => {
        const client = newAmbClient();
        const inv = (await listInvitations(client)).find((i) => i.id === invitationId);
        if (!inv) throw new CliError(`this account has no invitation ${invitationId}`);
        if (inv.status !== 'PENDING')
          throw new CliError(`invitation ${invitationId} is ${inv.status}, not PENDING`);
        const password = adminPassword({
          name: flags.memberName,
          adminPasswordEnv: flags.adminPasswordEnv,
          adminUsername: flags.adminUsername,
          description: undefined,
          logs: { ca: false },
          nodes: [],
        });
        const memberId = await acceptInvitation(client, inv.networkId, invitationId, {
          name: flags.memberName,
          adminUsername: flags.adminUsername,
          adminPassword: password,
        });
        out(
          flags,
          { networkId: inv.networkId, memberId },
          `member ${flags.memberName} (${memberId}) joins network ${inv.networkId}`,
        );
      },
    );
  invitation
    .command('reject')
    .argument('<invitation-id>')
    .action(async (invitationId: string) => {
      await rejectInvitation(newAmbClient(), invitationId);
      printProgress(`rejected ${invitationId}`);
    });
}
