import type { TransactionName } from '@waybill/chaincode/constants';

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
  'owner' | 'custodian' | 'buyer' | 'holdersOfMarkedAssets' | 'holdersOfInputs' | 'callerOnly' | 'anyMember';

/**
 * Who must endorse each write, as docs/chaincode.md states it. Service discovery knows only the
 * chaincode-level policy (any member); state-based policies (owner and custodian of each asset
 * key) and implicit-collection policies need `endorsingOrganizations`.
 *
 * Typed over every submit transaction; `endorsement.spec.ts` checks it equals the chaincode's table.
 */
export const ENDORSEMENT_RULES = {
  createAsset: ['anyMember'],
  proposeHandover: ['owner', 'custodian'],
  acceptHandover: ['owner', 'custodian'],
  rejectHandover: ['owner', 'custodian'],
  cancelHandover: ['owner', 'custodian'],
  proposeSale: ['owner', 'custodian'],
  agreeSaleTerms: ['callerOnly'],
  acceptSale: ['owner', 'custodian', 'buyer'],
  rejectSale: ['owner', 'custodian', 'buyer'],
  cancelSale: ['owner', 'custodian', 'buyer'],
  putOnHold: ['owner', 'custodian'],
  releaseHold: ['owner', 'custodian'],
  markSold: ['owner', 'custodian'],
  consumeAsset: ['owner', 'custodian'],
  destroyAsset: ['owner', 'custodian'],
  splitAsset: ['owner', 'custodian'],
  mergeAssets: ['holdersOfInputs'],
  recallAsset: ['holdersOfMarkedAssets'],
  continueRecall: ['holdersOfMarkedAssets'],
  updateAttributes: ['owner', 'custodian'],
  addDocument: ['owner', 'custodian'],
  upsertPersonalDataRef: ['owner', 'custodian'],
  erasePersonalDataRef: ['owner', 'custodian'],
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
 * - `anyMember` and `callerOnly`: this organisation's own peer (for `callerOnly` that is a
 *   confidentiality rule: transient terms must reach no other organisation).
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
  for (const party of ENDORSEMENT_RULES[transaction] as readonly EndorsingParty[]) {
    if (party === 'anyMember' || party === 'callerOnly') orgs.add(callerMspId);
    else if (party === 'holdersOfMarkedAssets') channelOrganizations.forEach((o) => orgs.add(o));
    else if (party === 'holdersOfInputs') assets.forEach((a) => orgs.add(a.owner).add(a.custodian));
    else if (party === 'owner') assets.forEach((a) => orgs.add(a.owner));
    else if (party === 'custodian') assets.forEach((a) => orgs.add(a.custodian));
    else assets.forEach((a) => a.pendingSale && orgs.add(a.pendingSale.buyer));
  }
  return [...orgs].sort();
}
