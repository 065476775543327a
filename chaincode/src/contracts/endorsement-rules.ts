import type { TransactionName } from '../constants';

/**
 * Which organisations' peers must endorse each transaction — what a client passes as
 * `endorsingOrganizations`, because service discovery knows only the chaincode-level policy
 * (any one member), not key-level policies or implicit-collection policies.
 *
 * Rendered into docs/chaincode.md; the unit tests check every submitted transaction's actual
 * requirement (derived by the in-memory ledger from the policies, as the validator does) is
 * covered by the rule.
 */

/** A party whose peer must endorse, resolved against the asset *before* the transaction. */
export type EndorsingParty =
  /** The asset's owner organisation (key-level policy). */
  | 'owner'
  /** The asset's custodian organisation (key-level policy). */
  | 'custodian'
  /** The buyer of the pending sale (its peer purges the buyer's terms from its implicit collection). */
  | 'buyer'
  /** Owner and custodian of every asset the transaction marks (recall). */
  | 'holdersOfMarkedAssets'
  /** Owner and custodian of every input asset (merge; all inputs share them). */
  | 'holdersOfInputs'
  /** The caller's own organisation, and ONLY it (transient confidential data). */
  | 'callerOnly'
  /**
   * Peers of a majority of the member organisations (governance record): the chaincode-level
   * policy, which applies to every key without a key-level policy (new assets, index entries,
   * recall records, governance approvals) and to a transaction that writes nothing. A client
   * adds the caller's own organisation first, then other members, to the other parties.
   */
  | 'majority';

/** Endorsement rule of a submit transaction. */
export interface EndorsementRule {
  readonly parties: readonly EndorsingParty[];
  readonly note: string;
}

const HOLDERS: EndorsementRule = { parties: ['owner', 'custodian'], note: 'key-level policy of the asset (no other key written)' };
const HOLDERS_AND_INDEX: EndorsementRule = {
  parties: ['owner', 'custodian', 'majority'],
  note: 'key-level policy of the asset; a majority for the status index entries it moves',
};

/** Endorsement rules of every submit transaction. */
export const ENDORSEMENT_RULES = {
  createAsset: { parties: ['majority'], note: 'new keys (asset and index entries): chaincode-level policy, a majority of members' },
  proposeHandover: HOLDERS,
  acceptHandover: {
    parties: ['owner', 'custodian', 'majority'],
    note: 'holders before the handover; a majority for the custodian and status index entries',
  },
  rejectHandover: HOLDERS,
  cancelHandover: HOLDERS,
  proposeSale: HOLDERS,
  agreeSaleTerms: {
    parties: ['callerOnly'],
    note: "transient terms: send to the caller's own peer only; the implicit collection's policy requires it",
  },
  acceptSale: {
    parties: ['owner', 'custodian', 'buyer', 'majority'],
    note: "holders (key-level policy) plus the buyer, whose peer purges the buyer's terms; a majority for the owner index",
  },
  rejectSale: { parties: ['owner', 'custodian', 'buyer'], note: 'holders plus the buyer, who withdraws (terms purged on both sides)' },
  cancelSale: {
    parties: ['owner', 'custodian'],
    note: "holders only: the seller withdraws without the buyer; the buyer's peer purges its terms with purgeTerms",
  },
  purgeTerms: {
    parties: ['callerOnly'],
    note: "writes only the caller's implicit collection: the caller's own peer, as the collection's policy requires",
  },
  putOnHold: HOLDERS_AND_INDEX,
  releaseHold: HOLDERS_AND_INDEX,
  markSold: HOLDERS_AND_INDEX,
  consumeAsset: HOLDERS_AND_INDEX,
  destroyAsset: HOLDERS_AND_INDEX,
  splitAsset: { parties: ['owner', 'custodian', 'majority'], note: "the parent's holders; a majority for the sub-lots (new keys)" },
  mergeAssets: { parties: ['holdersOfInputs', 'majority'], note: "the inputs' holders; a majority for the new lot (a new key)" },
  recallAsset: {
    parties: ['holdersOfMarkedAssets', 'majority'],
    note: 'holders of every asset of the batch; not known in advance: endorse with every member organisation',
  },
  continueRecall: {
    parties: ['holdersOfMarkedAssets', 'majority'],
    note: 'holders of every asset of the batch; not known in advance: endorse with every member organisation',
  },
  updateAttributes: HOLDERS,
  addDocument: HOLDERS,
  upsertPersonalDataRef: HOLDERS,
  erasePersonalDataRef: HOLDERS,
  initGovernance: { parties: ['majority'], note: 'a new key: chaincode-level policy, a majority of members' },
  approveGovernance: {
    parties: ['majority'],
    note: 'approval keys: chaincode-level policy; the record itself: its key-level policy, a majority of the current members',
  },
} as const satisfies Partial<Record<TransactionName, EndorsementRule>>;

/** Submit transactions (those with an endorsement rule). */
export type SubmitTransactionName = keyof typeof ENDORSEMENT_RULES;
