import { connectAs } from '../local/gateway-client';
import type { LocalNetwork } from '../local/network';
import { orgOf } from '../local/endpoints';
import { CliError } from '../common/errors';
import { blockRefOf } from './block-hash';
import type { TargetContract } from './import';
import { newLedgerReader, type LedgerReader } from './reader';

/** A reader or writer connected through the Fabric Gateway; close it when done. */
export interface Connected<T> {
  readonly value: T;
  close(): void;
}

/** The organisation's admin (or `userId`) of a local network. */
function userOf(net: LocalNetwork, orgName: string, userId: string | undefined): { org: string; mspId: string; user: string } {
  const org = orgOf(net, orgName);
  const user = userId ?? org.users.find((u) => u.role === 'admin')?.id;
  if (user === undefined) throw new CliError(`organisation ${org.name} has no admin identity; pass --user`);
  return { org: org.name, mspId: org.mspId, user };
}

/**
 * Reads the ledger through the organisation's own peer (every query targets its organisation
 * only, so `verify` never takes another organisation's word).
 */
export function gatewayReader(net: LocalNetwork, orgName: string, userId?: string): Connected<LedgerReader> {
  const { org, mspId, user } = userOf(net, orgName, userId);
  const session = connectAs(net, org, user);
  const channel = net.topology.channel;
  const reader = newLedgerReader(
    channel,
    mspId,
    (chaincode, name, args) =>
      (chaincode === 'qscc' ? session.network.getContract('qscc') : session.contract).evaluate(name, {
        arguments: [...args],
        endorsingOrganizations: [mspId],
      }),
    blockRefOf,
  );
  return { value: reader, close: () => session.close() };
}

/** The contract of a (target) network as the organisation's admin. */
export function gatewayTarget(net: LocalNetwork, orgName: string, userId?: string): Connected<TargetContract> {
  const { org, mspId, user } = userOf(net, orgName, userId);
  const session = connectAs(net, org, user);
  return {
    value: {
      mspId,
      submit: (name, args) => session.contract.submit(name, { arguments: [...args] }),
      evaluate: (name, args) => session.contract.evaluate(name, { arguments: [...args], endorsingOrganizations: [mspId] }),
    },
    close: () => session.close(),
  };
}
