import {
  GetMemberCommand,
  GetNetworkCommand,
  GetNodeCommand,
  paginateListInvitations,
  paginateListMembers,
  paginateListNetworks,
  paginateListNodes,
  type ManagedBlockchainClient,
} from '@aws-sdk/client-managedblockchain';
import { CliError } from '../common/errors';
import { ambError } from './client';

/** What AMB reports of one peer node. */
export interface NodeState {
  readonly id: string;
  readonly status: string;
  readonly instanceType: string;
  readonly availabilityZone: string;
  readonly stateDb: string;
  readonly logs: { readonly peer: boolean; readonly chaincode: boolean };
  readonly peerEndpoint: string | undefined;
  readonly peerEventEndpoint: string | undefined;
}

/** One member of the network; details and nodes only for the members this account owns. */
export interface MemberState {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly owned: boolean;
  readonly caEndpoint: string | undefined;
  readonly adminUsername: string | undefined;
  readonly logs: { readonly ca: boolean } | undefined;
  readonly nodes: readonly NodeState[];
}

export interface NetworkState {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly edition: string | undefined;
  readonly frameworkVersion: string | undefined;
  readonly ordererEndpoint: string | undefined;
  readonly vpcEndpointServiceName: string | undefined;
  readonly members: readonly MemberState[];
}

export interface InvitationState {
  readonly id: string;
  readonly status: string;
  readonly networkId: string;
  readonly networkName: string | undefined;
  readonly expires: string | undefined;
}

/** States of a resource that is gone or going. */
export const GONE = new Set(['DELETED', 'DELETING', 'FAILED', 'INACCESSIBLE_ENCRYPTION_KEY']);

/** Calls one AMB operation, turning any failure into a one-line {@link CliError}. */
export async function call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw ambError(operation, err);
  }
}

/** The networks this account has a member in (AMB's ListNetworks), not deleted. */
export async function listNetworks(
  client: ManagedBlockchainClient,
): Promise<{ id: string; name: string; status: string }[]> {
  return call('ListNetworks', async () => {
    const out: { id: string; name: string; status: string }[] = [];
    for await (const page of paginateListNetworks({ client }, { Framework: 'HYPERLEDGER_FABRIC' })) {
      for (const n of page.Networks ?? []) {
        if (n.Id && n.Name && !GONE.has(n.Status ?? ''))
          out.push({ id: n.Id, name: n.Name, status: n.Status ?? 'UNKNOWN' });
      }
    }
    return out;
  });
}

/** Finds a network by ID or name among this account's networks; undefined when it has none. */
export async function findNetwork(
  client: ManagedBlockchainClient,
  idOrName: string,
): Promise<string | undefined> {
  const all = await listNetworks(client);
  const matches = all.filter((n) => n.id === idOrName || n.name === idOrName);
  if (matches.length > 1) {
    throw new CliError(
      `${matches.length} networks are named ${idOrName} (${matches.map((n) => n.id).join(', ')}): use the network ID`,
    );
  }
  return matches[0]?.id;
}

/** The invitations addressed to this account (all states). */
export async function listInvitations(client: ManagedBlockchainClient): Promise<InvitationState[]> {
  return call('ListInvitations', async () => {
    const out: InvitationState[] = [];
    for await (const page of paginateListInvitations({ client }, {})) {
      for (const i of page.Invitations ?? []) {
        if (!i.InvitationId) continue;
        out.push({
          id: i.InvitationId,
          status: i.Status ?? 'UNKNOWN',
          networkId: i.NetworkSummary?.Id ?? '',
          networkName: i.NetworkSummary?.Name,
          expires: i.ExpirationDate?.toISOString(),
        });
      }
    }
    return out;
  });
}

/** Reads a network with its members and, for members this account owns, their nodes. */
export async function readNetwork(
  client: ManagedBlockchainClient,
  networkId: string,
  ownedNames: ReadonlySet<string> = new Set(),
): Promise<NetworkState> {
  const { Network: n } = await call('GetNetwork', () =>
    client.send(new GetNetworkCommand({ NetworkId: networkId })),
  );
  const summaries = await call('ListMembers', async () => {
    const out: { id: string; name: string; status: string; owned: boolean }[] = [];
    for await (const page of paginateListMembers({ client }, { NetworkId: networkId })) {
      for (const m of page.Members ?? []) {
        if (!m.Id || !m.Name || GONE.has(m.Status ?? '')) continue;
        // IsOwned is what AMB says; a service that leaves it out is trusted on the file's names.
        out.push({
          id: m.Id,
          name: m.Name,
          status: m.Status ?? 'UNKNOWN',
          owned: m.IsOwned ?? ownedNames.has(m.Name),
        });
      }
    }
    return out;
  });
  const members: MemberState[] = [];
  for (const s of summaries) {
    if (!s.owned) {
      members.push({ ...s, caEndpoint: undefined, adminUsername: undefined, logs: undefined, nodes: [] });
      continue;
    }
    const { Member: m } = await call('GetMember', () =>
      client.send(new GetMemberCommand({ NetworkId: networkId, MemberId: s.id })),
    );
    members.push({
      ...s,
      caEndpoint: m?.FrameworkAttributes?.Fabric?.CaEndpoint,
      adminUsername: m?.FrameworkAttributes?.Fabric?.AdminUsername,
      logs: { ca: m?.LogPublishingConfiguration?.Fabric?.CaLogs?.Cloudwatch?.Enabled ?? false },
      nodes: await readNodes(client, networkId, s.id),
    });
  }
  return {
    id: networkId,
    name: n?.Name ?? networkId,
    status: n?.Status ?? 'UNKNOWN',
    edition: n?.FrameworkAttributes?.Fabric?.Edition,
    frameworkVersion: n?.FrameworkVersion,
    ordererEndpoint: n?.FrameworkAttributes?.Fabric?.OrderingServiceEndpoint,
    vpcEndpointServiceName: n?.VpcEndpointServiceName,
    members,
  };
}

async function readNodes(
  client: ManagedBlockchainClient,
  networkId: string,
  memberId: string,
): Promise<NodeState[]> {
  const ids = await call('ListNodes', async () => {
    const out: string[] = [];
    for await (const page of paginateListNodes({ client }, { NetworkId: networkId, MemberId: memberId })) {
      for (const n of page.Nodes ?? []) if (n.Id && !GONE.has(n.Status ?? '')) out.push(n.Id);
    }
    return out;
  });
  const nodes: NodeState[] = [];
  for (const id of ids) {
    const { Node: n } = await call('GetNode', () =>
      client.send(new GetNodeCommand({ NetworkId: networkId, MemberId: memberId, NodeId: id })),
    );
    const logs = n?.LogPublishingConfiguration?.Fabric;
    nodes.push({
      id,
      status: n?.Status ?? 'UNKNOWN',
      instanceType: n?.InstanceType ?? '',
      availabilityZone: n?.AvailabilityZone ?? '',
      stateDb: n?.StateDB ?? 'LevelDB',
      logs: {
        peer: logs?.PeerLogs?.Cloudwatch?.Enabled ?? false,
        chaincode: logs?.ChaincodeLogs?.Cloudwatch?.Enabled ?? false,
      },
      peerEndpoint: n?.FrameworkAttributes?.Fabric?.PeerEndpoint,
      peerEventEndpoint: n?.FrameworkAttributes?.Fabric?.PeerEventEndpoint,
    });
  }
  return nodes;
}
