/**
 * Constants shared by the `waybill` chaincode and its clients (the gateway imports this module as
 * `@waybill/chaincode/constants`).
 *
 * This module must stay dependency-free: no Fabric imports, no Node built-ins, nothing with side
 * effects. Everything here is part of the contract between the chaincode and its callers; renaming a
 * value is a breaking change.
 *
 * @packageDocumentation
 */

/** Name of the contract inside the chaincode (`waybill:createAsset` or just `createAsset`). */
export const CONTRACT_NAME = 'waybill';

/** Certificate attribute that carries an identity's role (issued by the organisation's Fabric CA). */
export const ROLE_ATTRIBUTE = 'waybill.role';

/** Roles an identity may carry in its {@link ROLE_ATTRIBUTE} certificate attribute. */
export const ROLES = {
  /** Makes goods: creates assets, may recall the products its organisation created. */
  MANUFACTURER: 'manufacturer',
  /** Transports goods: takes custody in transit. */
  CARRIER: 'carrier',
  /** Sells goods to end customers. */
  RETAILER: 'retailer',
  /** Authority: may put any asset on hold and recall any asset; only in a designated oversight organisation. */
  REGULATOR: 'regulator',
  /** Read-only access to everything; only in a designated oversight organisation. */
  AUDITOR: 'auditor',
  /** Organisation administrator: record maintenance (attributes, documents, personal-data references). */
  ADMIN: 'admin',
} as const;

/** A role from {@link ROLES}. */
export type Role = (typeof ROLES)[keyof typeof ROLES];

/**
 * Which organisations may use each role — the single access table, read by the chaincode on every
 * transaction and rendered into docs/chaincode.md. The sets are channel-governed: the governance
 * record (`getGovernance`) lists the channel's member organisations and, among them, the oversight
 * organisations; a certificate attribute alone never makes anyone a regulator.
 * - `oversight`: only organisations the governance record designates for oversight;
 * - `trading`: member organisations that are not oversight organisations (an authority neither
 *   makes, carries, buys nor sells goods);
 * - `member`: any member organisation.
 */
export const ROLE_ORGANISATIONS = {
  manufacturer: 'trading',
  carrier: 'trading',
  retailer: 'trading',
  regulator: 'oversight',
  auditor: 'oversight',
  admin: 'member',
} as const satisfies Record<Role, 'oversight' | 'trading' | 'member'>;

/** A set of organisations from {@link ROLE_ORGANISATIONS}. */
export type RoleOrganisations = (typeof ROLE_ORGANISATIONS)[Role];

/**
 * Number of distinct member organisations whose peers make a majority (more than half): the
 * chaincode-level endorsement policy and the governance record's key-level policy.
 */
export function majorityOf(memberCount: number): number {
  return Math.floor(memberCount / 2) + 1;
}

/** Roles that buy and sell (hold title commercially, agree and purge sale terms). */
export const SALE_ROLES: readonly Role[] = [ROLES.MANUFACTURER, ROLES.RETAILER];

/** Every role, in a stable order. */
export const ALL_ROLES: readonly Role[] = Object.values(ROLES);

/** Lifecycle statuses of an asset. The allowed moves between them are in `docs/chaincode.md`. */
export const ASSET_STATUSES = {
  CREATED: 'CREATED',
  IN_TRANSIT: 'IN_TRANSIT',
  DELIVERED: 'DELIVERED',
  ON_HOLD: 'ON_HOLD',
  RECALLED: 'RECALLED',
  SOLD: 'SOLD',
  CONSUMED: 'CONSUMED',
  DESTROYED: 'DESTROYED',
} as const;

/** A status from {@link ASSET_STATUSES}. */
export type AssetStatus = (typeof ASSET_STATUSES)[keyof typeof ASSET_STATUSES];

/** Every status, in lifecycle order. */
export const ALL_ASSET_STATUSES: readonly AssetStatus[] = Object.values(ASSET_STATUSES);

/**
 * Stable error codes. Every error the chaincode throws has a message `"<CODE>: <detail>"`; clients
 * map the code (the text before the first colon), never the detail.
 */
export const ERROR_CODES = {
  /** Malformed or out-of-range input (types, lengths, unknown fields, formats). HTTP 400/422. */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** The asset does not exist. HTTP 404. */
  ASSET_NOT_FOUND: 'ASSET_NOT_FOUND',
  /** An asset with that id already exists. HTTP 409. */
  ASSET_EXISTS: 'ASSET_EXISTS',
  /** The named document is not recorded on the asset. HTTP 404. */
  DOCUMENT_NOT_FOUND: 'DOCUMENT_NOT_FOUND',
  /** The personal-data reference is not recorded on the asset. HTTP 404. */
  PERSONAL_DATA_REF_NOT_FOUND: 'PERSONAL_DATA_REF_NOT_FOUND',
  /** The recall does not exist. HTTP 404. */
  RECALL_NOT_FOUND: 'RECALL_NOT_FOUND',
  /** The action is not allowed from the asset's current status. HTTP 409. */
  INVALID_TRANSITION: 'INVALID_TRANSITION',
  /** The caller's role or organisation may not do this; the detail names what was missing. HTTP 403. */
  FORBIDDEN: 'FORBIDDEN',
  /** The asset's pending handover/sale (or another state) conflicts with the request. HTTP 409. */
  CONFLICT: 'CONFLICT',
  /** A bound was reached (per-asset capacity). HTTP 422. */
  LIMIT_EXCEEDED: 'LIMIT_EXCEEDED',
  /** Buyer and seller recorded different sale terms. HTTP 409. */
  TERMS_MISMATCH: 'TERMS_MISMATCH',
  /** Sale terms are missing (not agreed yet, already purged, or no pending sale). HTTP 404/409. */
  TERMS_MISSING: 'TERMS_MISSING',
  /** Deployment or ledger inconsistency (e.g. peer MSP unknown, corrupt record). HTTP 500. */
  INTERNAL: 'INTERNAL',
} as const;

/**
 * Officially assigned ISO 3166-1 alpha-2 country codes: an origin's `country` is one of them (the
 * gateway's OpenAPI document lists them).
 */
export const COUNTRY_CODES: readonly string[] = (
    'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ ' +
    'BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ ' +
    'CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ ' +
    'DE DJ DK DM DO DZ ' +
    'EC EE EG EH ER ES ET ' +
    'FI FJ FK FM FO FR ' +
    'GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY ' +
    'HK HM HN HR HT HU ' +
    'ID IE IL IM IN IO IQ IR IS IT ' +
    'JE JM JO JP ' +
    'KE KG KH KI KM KN KP KR KW KY KZ ' +
    'LA LB LC LI LK LR LS LT LU LV LY ' +
    'MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ ' +
    'NA NC NE NF NG NI NL NO NP NR NU NZ ' +
    'OM ' +
    'PA PE PF PG PH PK PL PM PN PR PS PT PW PY ' +
    'QA ' +
    'RE RO RS RU RW ' +
    'SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ ' +
    'TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ ' +
    'UA UG UM US UY UZ ' +
    'VA VC VE VG VI VN VU ' +
    'WF WS ' +
    'YE YT ' +
    'ZA ZM ZW'
  ).split(' ');

/** An error code from {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/**
 * Extracts the stable error code from a chaincode error message (as relayed by the peer/gateway,
 * which may prefix it with its own text such as `"chaincode response 500, "`).
 *
 * @returns the code, or `undefined` when the message carries none.
 */
export function errorCodeOf(message: string): ErrorCode | undefined {
  for (const code of Object.values(ERROR_CODES)) {
    if (new RegExp(`(^|[\\s,:])${code}: `).test(message)) {
      return code;
    }
  }
  return undefined;
}

/** Chaincode event names: exactly one event is emitted by every submitted transaction. */
export const EVENTS = {
  ASSET_CREATED: 'AssetCreated',
  HANDOVER_PROPOSED: 'HandoverProposed',
  HANDOVER_ACCEPTED: 'HandoverAccepted',
  HANDOVER_REJECTED: 'HandoverRejected',
  HANDOVER_CANCELLED: 'HandoverCancelled',
  SALE_PROPOSED: 'SaleProposed',
  TERMS_AGREED: 'TermsAgreed',
  SALE_REJECTED: 'SaleRejected',
  SALE_CANCELLED: 'SaleCancelled',
  TITLE_TRANSFERRED: 'TitleTransferred',
  STATUS_CHANGED: 'StatusChanged',
  ASSET_SPLIT: 'AssetSplit',
  ASSETS_MERGED: 'AssetsMerged',
  ASSET_RECALLED: 'AssetRecalled',
  ATTRIBUTES_UPDATED: 'AttributesUpdated',
  DOCUMENT_ADDED: 'DocumentAdded',
  PERSONAL_DATA_REF_UPDATED: 'PersonalDataRefUpdated',
  PERSONAL_DATA_REF_ERASED: 'PersonalDataRefErased',
  TERMS_PURGED: 'TermsPurged',
  GOVERNANCE_CHANGED: 'GovernanceChanged',
  MIGRATION_ATTESTED: 'MigrationAttested',
  RECORDS_IMPORTED: 'RecordsImported',
} as const;

/** An event name from {@link EVENTS}. */
export type EventName = (typeof EVENTS)[keyof typeof EVENTS];

/** Every transaction of the contract, by name. `submit` transactions change the ledger. */
export const TRANSACTIONS = {
  // submit
  createAsset: 'createAsset',
  proposeHandover: 'proposeHandover',
  acceptHandover: 'acceptHandover',
  rejectHandover: 'rejectHandover',
  cancelHandover: 'cancelHandover',
  proposeSale: 'proposeSale',
  agreeSaleTerms: 'agreeSaleTerms',
  acceptSale: 'acceptSale',
  rejectSale: 'rejectSale',
  cancelSale: 'cancelSale',
  putOnHold: 'putOnHold',
  releaseHold: 'releaseHold',
  markSold: 'markSold',
  consumeAsset: 'consumeAsset',
  destroyAsset: 'destroyAsset',
  splitAsset: 'splitAsset',
  mergeAssets: 'mergeAssets',
  recallAsset: 'recallAsset',
  continueRecall: 'continueRecall',
  updateAttributes: 'updateAttributes',
  addDocument: 'addDocument',
  upsertPersonalDataRef: 'upsertPersonalDataRef',
  erasePersonalDataRef: 'erasePersonalDataRef',
  purgeTerms: 'purgeTerms',
  initGovernance: 'initGovernance',
  approveGovernance: 'approveGovernance',
  attestMigration: 'attestMigration',
  importRecords: 'importRecords',
  // evaluate
  getAsset: 'getAsset',
  assetExists: 'assetExists',
  getAssetHistory: 'getAssetHistory',
  getLineage: 'getLineage',
  listAssetsByOwner: 'listAssetsByOwner',
  listAssetsByCustodian: 'listAssetsByCustodian',
  listAssetsByStatus: 'listAssetsByStatus',
  listAssetsBySku: 'listAssetsBySku',
  getTerms: 'getTerms',
  verifyDocument: 'verifyDocument',
  getRecall: 'getRecall',
  getGovernance: 'getGovernance',
  exportAssets: 'exportAssets',
  exportRecalls: 'exportRecalls',
  getMigration: 'getMigration',
  getImportProvenance: 'getImportProvenance',
} as const;

/** A transaction name from {@link TRANSACTIONS}. */
export type TransactionName = keyof typeof TRANSACTIONS;

/** Transactions that only read (call them with evaluate, never submit). */
export const EVALUATE_TRANSACTIONS: readonly TransactionName[] = [
  'getAsset',
  'assetExists',
  'getAssetHistory',
  'getLineage',
  'listAssetsByOwner',
  'listAssetsByCustodian',
  'listAssetsByStatus',
  'listAssetsBySku',
  'getTerms',
  'verifyDocument',
  'getRecall',
  'getGovernance',
  'exportAssets',
  'exportRecalls',
  'getMigration',
  'getImportProvenance',
];

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
  attestMigration: { parties: ['majority'], note: 'a new attestation key: chaincode-level policy, a majority of members' },
  importRecords: {
    parties: ['majority'],
    note: 'new keys (assets, index entries, recalls, provenance, progress): chaincode-level policy, a majority of members',
  },
} as const satisfies Partial<Record<TransactionName, EndorsementRule>>;

/** Submit transactions (those with an endorsement rule). */
export type SubmitTransactionName = keyof typeof ENDORSEMENT_RULES;

/**
 * Object types of the chaincode's composite ledger keys that clients check in blocks: a gateway
 * delivers an asset event only when the emitting transaction wrote that asset's key.
 */
export const LEDGER_KEY_TYPES = {
  ASSET: 'asset',
  RECALL: 'recall',
  GOVERNANCE: 'governance',
  GOVERNANCE_APPROVAL: 'governance~approval',
  MIGRATION_ATTESTATION: 'migration~attestation',
  MIGRATION_IMPORT: 'migration~import',
} as const;

/** The composite key (Fabric's encoding) of an object type and attributes. */
export function compositeKey(objectType: string, attributes: readonly string[]): string {
  return `\u0000${objectType}\u0000${attributes.map((a) => `${a}\u0000`).join('')}`;
}

/** Key of the transient-map entry that carries sale terms for `agreeSaleTerms` (never in args). */
export const TRANSIENT_TERMS_KEY = 'terms';

/** Prefix of Fabric implicit per-organisation private data collections. */
export const IMPLICIT_COLLECTION_PREFIX = '_implicit_org_';

/**
 * Categories of off-chain personal data an asset may reference: the kind of value the gateway
 * holds (never the value). The same list types the gateway's personal-data records.
 */
export const PERSONAL_DATA_CATEGORIES = [
  'name',
  'postal-address',
  'phone',
  'email',
  'national-id',
  'notes',
] as const;

/** A category from {@link PERSONAL_DATA_CATEGORIES}. */
export type PersonalDataCategory = (typeof PERSONAL_DATA_CATEGORIES)[number];

/** Incoterms 2020 rules accepted in sale terms. */
export const INCOTERMS = ['EXW', 'FCA', 'CPT', 'CIP', 'DAP', 'DPU', 'DDP', 'FAS', 'FOB', 'CFR', 'CIF'] as const;

/** An Incoterms rule from {@link INCOTERMS}. */
export type Incoterm = (typeof INCOTERMS)[number];

/** Bounds enforced by the chaincode (clients may want to enforce them earlier). */
export const LIMITS = {
  /** Maximum `pageSize` of list queries. */
  MAX_PAGE_SIZE: 100,
  /** Maximum assets one recall transaction processes before returning a continuation. */
  RECALL_BATCH_SIZE: 50,
  /** Maximum depth of `getLineage` in each direction. */
  MAX_LINEAGE_DEPTH: 10,
  /** Maximum assets `getLineage` returns in each direction. */
  MAX_LINEAGE_NODES: 200,
  /** Maximum history entries `getAssetHistory` returns (newest first). */
  MAX_HISTORY_ENTRIES: 500,
  /** Maximum sub-lots of one split. */
  MAX_SPLIT_PARTS: 50,
  /** Maximum lots merged in one transaction. */
  MAX_MERGE_INPUTS: 20,
  /** Maximum attributes per asset. */
  MAX_ATTRIBUTES: 32,
  /** Maximum documents per asset. */
  MAX_DOCUMENTS: 32,
  /** Maximum personal-data references per asset. */
  MAX_PERSONAL_DATA_REFS: 16,
  /** Maximum quantity amount (keeps sums exact in IEEE-754 doubles). */
  MAX_QUANTITY: 1_000_000_000,
  /** Maximum decimal places of a quantity amount. */
  QUANTITY_DECIMALS: 6,
  /** Maximum length of a free-text reason (hold, recall). */
  MAX_REASON_LENGTH: 256,
  /** Maximum records of one `importRecords` batch. */
  MAX_IMPORT_BATCH: 100,
  /** Maximum length of one `importRecords` batch (JSON characters). */
  MAX_IMPORT_BATCH_LENGTH: 4 * 1024 * 1024,
} as const;

/** Input formats (as regular-expression sources) that the chaincode validates. */
export const PATTERNS = {
  /** Asset ids, recall ids. */
  ID: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$',
  /** MSP ids of organisations. */
  MSP_ID: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$',
  /** Product SKUs. */
  SKU: '^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$',
  /** Quantity units (e.g. `kg`, `pcs`, `pallet`). */
  UNIT: '^[A-Za-z][A-Za-z0-9._/-]{0,15}$',
  /** ISO 3166-1 alpha-2 country codes (the chaincode also checks the code is assigned). */
  COUNTRY: '^[A-Z]{2}$',
  /** Attribute keys. */
  ATTRIBUTE_KEY: '^[a-z][A-Za-z0-9_.-]{0,63}$',
  /** SHA-256 digests (document hashes, personal-data commitments): 64 lowercase hex. */
  SHA256_HEX: '^[0-9a-f]{64}$',
  /** Personal-data references: 32 lowercase hex, or a lowercase UUID. */
  PERSONAL_DATA_REF: '^(?:[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$',
  /** ISO 4217 currency codes. */
  CURRENCY: '^[A-Z]{3}$',
  /** Sale prices: decimal string, up to 15 integer digits and 6 decimals. */
  PRICE: '^(?:0|[1-9][0-9]{0,14})(?:\\.[0-9]{1,6})?$',
  /** Random nonce both parties put in their terms so the on-chain hash cannot be guessed. */
  TERMS_NONCE: '^[0-9a-f]{32,128}$',
} as const;

/** One peer of an organisation that its gateway may connect to (connection profile). */
export interface PeerProfile {
  readonly name: string;
  /** `host:port` of the peer's gateway service. */
  readonly endpoint: string;
  readonly tlsRootCertPath: string;
  /** TLS server name to expect when the endpoint host differs from the certificate's. */
  readonly hostnameOverride?: string;
}

/** One Fabric identity of an organisation (certificate and private key on disk). */
export interface IdentityProfile {
  readonly id: string;
  readonly role: Role;
  readonly certPath: string;
  readonly keyPath: string;
}

/**
 * The connection profile the infra writes for one organisation and its gateway reads. It holds
 * only that organisation's identities: no gateway ever holds another organisation's keys.
 */
export interface ConnectionProfile {
  readonly organization: string;
  readonly mspId: string;
  readonly channel: string;
  readonly chaincode: string;
  readonly peers: readonly PeerProfile[];
  readonly identities: readonly IdentityProfile[];
  /** Every organisation of the channel: MSP ID → organisation name. */
  readonly organizations: Readonly<Record<string, string>>;
}
