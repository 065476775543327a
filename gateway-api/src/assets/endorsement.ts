import type { TransactionName } from '@waybill/chaincode/constants';

/** The part of an asset that decides who must endorse a write to it. */
export interface Holders {
  readonly owner: string;
  readonly custodian: string;
}

/**
 * Who must endorse each write (docs/chaincode.md). The chaincode-level policy is "any
 * organisation"; every existing asset key carries a state-based policy requiring a peer of its
 * owner and of its custodian, evaluated against the state before the write.
 *
 * - `self`: this organisation's peer only — new keys (no key-level policy yet), or private data
 *   of the caller's implicit collection whose transient input must reach no other organisation.
 * - `holders`: owner ∪ custodian of every asset the transaction writes.
 * - `holdersAndSelf`: the same plus the caller's organisation (sale steps, whose private terms
 *   live in the parties' implicit collections).
 * - `allOrganizations`: every organisation of the channel — recalls write assets the gateway cannot
 *   list in advance (the descendants marked in this batch), and every holder policy is a subset.
 */
export type EndorsementRule = 'self' | 'holders' | 'holdersAndSelf' | 'allOrganizations';

/** Submit transactions of the contract, with their rule. Typed so a new transaction needs a rule. */
export const ENDORSEMENT_RULES: Readonly<Record<SubmitTransaction, EndorsementRule>> = {
  createAsset: 'self',
  proposeHandover: 'holders',
  acceptHandover: 'holders',
  rejectHandover: 'holders',
  cancelHandover: 'holders',
  proposeSale: 'holders',
  agreeSaleTerms: 'self',
  acceptSale: 'holdersAndSelf',
  rejectSale: 'holdersAndSelf',
  cancelSale: 'holdersAndSelf',
  putOnHold: 'holders',
  releaseHold: 'holders',
  markSold: 'holders',
  consumeAsset: 'holders',
  destroyAsset: 'holders',
  splitAsset: 'holders',
  mergeAssets: 'holders',
  recallAsset: 'allOrganizations',
  continueRecall: 'allOrganizations',
  updateAttributes: 'holders',
  addDocument: 'holders',
  upsertPersonalDataRef: 'holders',
  erasePersonalDataRef: 'holders',
};

/** A transaction that writes (the contract's non-evaluate transactions). */
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
>;

/**
 * The MSP IDs that must endorse `transaction`, given the assets it writes as they are now.
 * Sorted and without duplicates, so the same state always gives the same request.
 */
export function endorsingOrganizations(
  transaction: SubmitTransaction,
  assets: readonly Holders[],
  callerMspId: string,
  channelOrganizations: readonly string[],
): string[] {
  const rule = ENDORSEMENT_RULES[transaction];
  const orgs = new Set<string>();
  switch (rule) {
    case 'self':
      orgs.add(callerMspId);
      break;
    case 'holdersAndSelf':
      orgs.add(callerMspId);
      for (const a of assets) orgs.add(a.owner).add(a.custodian);
      break;
    case 'holders':
      for (const a of assets) orgs.add(a.owner).add(a.custodian);
      break;
    case 'allOrganizations':
      for (const org of channelOrganizations) orgs.add(org);
      break;
  }
  return [...orgs].sort();
}
