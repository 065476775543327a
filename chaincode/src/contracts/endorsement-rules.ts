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
  /** Any one member organisation (no key-level policy exists yet). */
  | 'anyMember';

/** Endorsement rule of a submit transaction. */
export interface EndorsementRule {
  readonly parties: readonly EndorsingParty[];
  readonly note: string;
}

const HOLDERS: EndorsementRule = { parties: ['owner', 'custodian'], note: 'key-level policy of the asset' };

/** Endorsement rules of every submit transaction. */
export const ENDORSEMENT_RULES = {
  createAsset: { parties: ['anyMember'], note: "new key: chaincode-level policy; use the caller's own peer" },
  proposeHandover: HOLDERS,
  acceptHandover: { parties: ['owner', 'custodian'], note: 'holders before the handover (the recipient may add its own peer)' },
  rejectHandover: HOLDERS,
  cancelHandover: HOLDERS,
  proposeSale: HOLDERS,
  agreeSaleTerms: {
    parties: ['callerOnly'],
    note: "transient terms: send to the caller's own peer only; the implicit collection's policy requires it",
  },
  acceptSale: {
    parties: ['owner', 'custodian', 'buyer'],
    note: "holders (key-level policy) plus the buyer, whose peer purges the buyer's terms",
  },
  rejectSale: { parties: ['owner', 'custodian', 'buyer'], note: 'holders plus the buyer (terms purged on both sides)' },
  cancelSale: { parties: ['owner', 'custodian', 'buyer'], note: 'holders plus the buyer (terms purged on both sides)' },
  putOnHold: HOLDERS,
  releaseHold: HOLDERS,
  markSold: HOLDERS,
  consumeAsset: HOLDERS,
  destroyAsset: HOLDERS,
  splitAsset: { parties: ['owner', 'custodian'], note: "the parent's holders (sub-lots are new keys)" },
  mergeAssets: { parties: ['holdersOfInputs'], note: "the inputs' holders (the new lot is a new key)" },
  recallAsset: {
    parties: ['holdersOfMarkedAssets'],
    note: 'holders of every asset of the batch; not known in advance: endorse with every member organisation',
  },
  continueRecall: {
    parties: ['holdersOfMarkedAssets'],
    note: 'holders of every asset of the batch; not known in advance: endorse with every member organisation',
  },
  updateAttributes: HOLDERS,
  addDocument: HOLDERS,
  upsertPersonalDataRef: HOLDERS,
  erasePersonalDataRef: HOLDERS,
} as const satisfies Partial<Record<TransactionName, EndorsementRule>>;

/** Submit transactions (those with an endorsement rule). */
export type SubmitTransactionName = keyof typeof ENDORSEMENT_RULES;
