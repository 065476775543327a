import {
  ENDORSEMENT_RULES,
  majorityOf,
  type EndorsingParty,
  type SubmitTransactionName,
} from '@waybill/chaincode/constants';

/** The part of an asset that decides who must endorse a write to it. */
export interface Holders {
  readonly owner: string;
  readonly custodian: string;
  readonly pendingSale?: { readonly buyer: string } | null;
}

/** A transaction that writes: one with an endorsement rule (the chaincode's table). */
export type SubmitTransaction = SubmitTransactionName;

/** Whether the rule needs the written assets read first (to learn their holders). */
export function needsAssets(transaction: SubmitTransaction): boolean {
  return (ENDORSEMENT_RULES[transaction].parties as readonly EndorsingParty[]).some(
    (p) => p === 'owner' || p === 'custodian' || p === 'buyer' || p === 'holdersOfInputs',
  );
}

/**
 * The MSP IDs that must endorse `transaction`, given the assets it writes as they are now, by the
 * chaincode's {@link ENDORSEMENT_RULES} (service discovery knows only the chaincode-level policy).
 * Sorted and without duplicates, so the same state always gives the same request.
 *
 * - `callerOnly`: this organisation's own peer, and only it (a confidentiality rule: transient
 *   terms must reach no other organisation).
 * - `majority`: the other parties, then this organisation, then the other channel organisations
 *   in order, until more than half of the channel's organisations endorse.
 * - `holdersOfMarkedAssets`: every organisation of the channel — a recall batch writes descendants
 *   the gateway cannot list in advance, and every holder policy is a subset.
 */
export function endorsingOrganizations(
  transaction: SubmitTransaction,
  assets: readonly Holders[],
  callerMspId: string,
  channelOrganizations: readonly string[],
): string[] {
  const orgs = new Set<string>();
  const parties = ENDORSEMENT_RULES[transaction].parties as readonly EndorsingParty[];
  for (const party of parties) {
    if (party === 'majority') continue;
    if (party === 'callerOnly') orgs.add(callerMspId);
    else if (party === 'holdersOfMarkedAssets') channelOrganizations.forEach((o) => orgs.add(o));
    else if (party === 'holdersOfInputs') assets.forEach((a) => orgs.add(a.owner).add(a.custodian));
    else if (party === 'owner') assets.forEach((a) => orgs.add(a.owner));
    else if (party === 'custodian') assets.forEach((a) => orgs.add(a.custodian));
    else assets.forEach((a) => a.pendingSale && orgs.add(a.pendingSale.buyer));
  }
  if (parties.includes('majority')) {
    const needed = majorityOf(channelOrganizations.length);
    for (const org of [callerMspId, ...[...channelOrganizations].sort()]) {
      if (orgs.size >= needed) break;
      orgs.add(org);
    }
  }
  return [...orgs].sort();
}
