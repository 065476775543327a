import { majorityOf, type TransactionName } from '@waybill/chaincode/constants';

/** The part of an asset that decides who must endorse a write to it. */
export interface Holders {
  readonly owner: string;
  readonly custodian: string;
  readonly pendingSale?: { readonly buyer: string } | null;
}

/**
 * A party whose peer must endorse, resolved against the assets as they are *before* the
 * transaction (the chaincode's vocabulary, `chaincode/src/contracts/endorsement-rules.ts`).
 */
export type EndorsingParty =
  'owner' | 'custodian' | 'buyer' | 'holdersOfMarkedAssets' | 'holdersOfInputs' | 'callerOnly' | 'majority';

/**
 * Who must endorse each write, as docs/chaincode.md states it. State-based policies (owner and
 * custodian of each asset key), implicit-collection policies and the chaincode-level majority
 * (new keys, index entries) are named explicitly in `endorsingOrganizations`.
 *
 * Typed over every submit transaction; `endorsement.spec.ts` checks it equals the chaincode's table.
 */
export const ENDORSEMENT_RULES = {
  createAsset: ['majority'],
  proposeHandover: ['owner', 'custodian'],
  acceptHandover: ['owner', 'custodian', 'majority'],
  rejectHandover: ['owner', 'custodian'],
  cancelHandover: ['owner', 'custodian'],
  proposeSale: ['owner', 'custodian'],
  agreeSaleTerms: ['callerOnly'],
  acceptSale: ['owner', 'custodian', 'buyer', 'majority'],
  rejectSale: ['owner', 'custodian', 'buyer'],
  cancelSale: ['owner', 'custodian'],
  purgeTerms: ['callerOnly'],
  putOnHold: ['owner', 'custodian', 'majority'],
  releaseHold: ['owner', 'custodian', 'majority'],
  markSold: ['owner', 'custodian', 'majority'],
  consumeAsset: ['owner', 'custodian', 'majority'],
  destroyAsset: ['owner', 'custodian', 'majority'],
  splitAsset: ['owner', 'custodian', 'majority'],
  mergeAssets: ['holdersOfInputs', 'majority'],
  recallAsset: ['holdersOfMarkedAssets', 'majority'],
  continueRecall: ['holdersOfMarkedAssets', 'majority'],
  updateAttributes: ['owner', 'custodian'],
  addDocument: ['owner', 'custodian'],
  upsertPersonalDataRef: ['owner', 'custodian'],
  erasePersonalDataRef: ['owner', 'custodian'],
  initGovernance: ['majority'],
  approveGovernance: ['majority'],
} as const satisfies Record<SubmitTransaction, readonly EndorsingParty[]>;

/** A transaction that writes (the contract's transactions that are not evaluated). */
export type SubmitTransaction = Exclude<
  TransactionName,
  | 'getAsset'
  | 'assetExists'
  | 'getAssetHistory'
  | 'getLineage'
  | 'listAssetsByOwner'
  | 'listAssetsByCustodian'
  | 'listAssetsByStatus'
  | 'listAssetsBySku'
  | 'getTerms'
  | 'verifyDocument'
  | 'getRecall'
  | 'getGovernance'
>;

/** Whether the rule needs the written assets read first (to learn their holders). */
export function needsAssets(transaction: SubmitTransaction): boolean {
  return ENDORSEMENT_RULES[transaction].some(
    (p) => p === 'owner' || p === 'custodian' || p === 'buyer' || p === 'holdersOfInputs',
  );
}

/**
 * The MSP IDs that must endorse `transaction`, given the assets it writes as they are now.
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
  const parties = ENDORSEMENT_RULES[transaction] as readonly EndorsingParty[];
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
