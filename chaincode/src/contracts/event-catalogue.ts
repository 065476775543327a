import type { EventName, TransactionName } from '../constants';
import { EVENTS } from '../constants';

/**
 * What each chaincode event carries, for consumers (the gateway's event stream and webhooks) and
 * for docs/chaincode.md. A test checks every emitted payload has exactly these fields.
 * Payloads never carry personal data: organisations (MSP ids) and roles, never user identities.
 */

/** Fields every event payload carries. */
export const COMMON_EVENT_FIELDS: Readonly<Record<string, string>> = {
  event: 'the event name (same as the chaincode event name)',
  txId: 'transaction id',
  timestamp: 'transaction timestamp, ISO-8601 UTC',
  actorOrg: 'MSP id of the submitting organisation',
  actorRole: 'waybill.role of the submitting identity',
};

const SUMMARY = {
  assetId: 'asset id',
  sku: 'product SKU',
  status: 'status after the transaction',
  owner: 'owner after the transaction',
  custodian: 'custodian after the transaction',
} as const;

const SALE = { saleId: 'sale id (txId of proposeSale)', seller: 'seller MSP id', buyer: 'buyer MSP id' } as const;

/** Description of one event. */
export interface EventDescription {
  readonly emittedBy: readonly TransactionName[];
  readonly fields: Readonly<Record<string, string>>;
}

/** Every event: the transactions that emit it and its payload fields (besides the common ones). */
export const EVENT_CATALOGUE: Readonly<Record<EventName, EventDescription>> = {
  [EVENTS.ASSET_CREATED]: {
    emittedBy: ['createAsset'],
    fields: { ...SUMMARY, quantity: '{amount, unit}', origin: '{site, country}' },
  },
  [EVENTS.HANDOVER_PROPOSED]: { emittedBy: ['proposeHandover'], fields: { ...SUMMARY, from: 'custodian proposing', to: 'recipient' } },
  [EVENTS.HANDOVER_ACCEPTED]: {
    emittedBy: ['acceptHandover'],
    fields: { ...SUMMARY, from: 'previous custodian', to: 'new custodian', previousStatus: 'status before' },
  },
  [EVENTS.HANDOVER_REJECTED]: { emittedBy: ['rejectHandover'], fields: { ...SUMMARY, from: 'proposer', to: 'recipient' } },
  [EVENTS.HANDOVER_CANCELLED]: { emittedBy: ['cancelHandover'], fields: { ...SUMMARY, from: 'proposer', to: 'recipient' } },
  [EVENTS.SALE_PROPOSED]: { emittedBy: ['proposeSale'], fields: { ...SUMMARY, ...SALE } },
  [EVENTS.TERMS_AGREED]: {
    emittedBy: ['agreeSaleTerms'],
    fields: {
      assetId: 'asset id',
      ...SALE,
      org: 'organisation that stored its terms',
      side: 'seller | buyer',
      termsHash: 'hex SHA-256 of the stored terms (never the terms)',
    },
  },
  [EVENTS.SALE_REJECTED]: {
    emittedBy: ['rejectSale'],
    fields: { ...SUMMARY, ...SALE, termsPurged: '{seller: boolean, buyer: boolean}: whose terms were purged' },
  },
  [EVENTS.SALE_CANCELLED]: {
    emittedBy: ['cancelSale'],
    fields: { ...SUMMARY, ...SALE, termsPurged: '{seller: boolean, buyer: boolean}: whose terms were purged' },
  },
  [EVENTS.TITLE_TRANSFERRED]: {
    emittedBy: ['acceptSale'],
    fields: { ...SUMMARY, ...SALE, from: 'previous owner', to: 'new owner', termsHash: 'hash both parties agreed' },
  },
  [EVENTS.STATUS_CHANGED]: {
    emittedBy: ['putOnHold', 'releaseHold', 'markSold', 'consumeAsset', 'destroyAsset'],
    fields: {
      ...SUMMARY,
      action: 'transaction name',
      previousStatus: 'status before',
      reason: 'hold reason (putOnHold), otherwise null',
    },
  },
  [EVENTS.ASSET_SPLIT]: {
    emittedBy: ['splitAsset'],
    fields: {
      parentId: 'split lot (now CONSUMED)',
      childIds: 'new sub-lot ids',
      amounts: 'their amounts, same order',
      unit: 'quantity unit',
      sku: 'product SKU',
      owner: 'owner of all',
      custodian: 'custodian of all',
      status: "parent's status after (CONSUMED)",
      childStatus: "sub-lots' status",
    },
  },
  [EVENTS.ASSETS_MERGED]: {
    emittedBy: ['mergeAssets'],
    fields: {
      parentIds: 'merged lots (now CONSUMED)',
      childId: 'new lot id',
      quantity: "new lot's {amount, unit}",
      sku: 'product SKU',
      owner: 'owner',
      custodian: 'custodian',
      status: "new lot's status",
    },
  },
  [EVENTS.ASSET_RECALLED]: {
    emittedBy: ['recallAsset', 'continueRecall'],
    fields: {
      recallId: 'recall id (txId of recallAsset)',
      rootAssetId: 'recalled asset',
      markedAssetIds: 'assets marked by this transaction',
      markedCount: 'assets marked so far by the recall',
      remaining: 'assets still queued',
      complete: 'true when nothing remains',
      reason: 'recall reason',
    },
  },
  [EVENTS.ATTRIBUTES_UPDATED]: {
    emittedBy: ['updateAttributes'],
    fields: { assetId: 'asset id', set: 'keys set (sorted)', removed: 'keys removed (sorted)' },
  },
  [EVENTS.DOCUMENT_ADDED]: { emittedBy: ['addDocument'], fields: { assetId: 'asset id', name: 'document name', sha256: 'document hash' } },
  [EVENTS.PERSONAL_DATA_REF_UPDATED]: {
    emittedBy: ['upsertPersonalDataRef'],
    fields: {
      assetId: 'asset id',
      ref: 'opaque reference',
      category: 'personal-data category',
      controllerOrg: 'organisation holding the data',
      change: 'added | rectified',
    },
  },
  [EVENTS.PERSONAL_DATA_REF_ERASED]: {
    emittedBy: ['erasePersonalDataRef'],
    fields: { assetId: 'asset id', ref: 'opaque reference', controllerOrg: 'organisation holding the data' },
  },
  [EVENTS.TERMS_PURGED]: {
    emittedBy: ['purgeTerms'],
    fields: { assetId: 'asset id', saleId: 'sale id of the purged terms', org: 'organisation whose terms were purged (the caller)' },
  },
  [EVENTS.GOVERNANCE_CHANGED]: {
    emittedBy: ['initGovernance', 'approveGovernance'],
    fields: {
      version: 'version of the record in force after the transaction',
      members: 'member MSP ids in force',
      oversight: 'oversight MSP ids in force',
      proposalHash: 'hash of the proposal approved',
      approvals: 'member organisations that approved it so far',
      applied: 'true when the proposal replaced the record',
    },
  },
  [EVENTS.MIGRATION_ATTESTED]: {
    emittedBy: ['attestMigration'],
    fields: {
      root: 'hex Merkle root of the export',
      recordCount: 'records in the export',
      exportSha256: 'hex SHA-256 of the export file',
      sourceChannel: 'channel of the source network',
      org: 'organisation that verified the export against its own peer (the caller)',
    },
  },
  [EVENTS.RECORDS_IMPORTED]: {
    emittedBy: ['importRecords'],
    fields: {
      root: 'hex Merkle root of the export',
      fromIndex: 'index of the first record of the batch',
      toIndex: 'index of the last record of the batch',
      assetIds: 'ids of the assets the batch imported',
      complete: 'true when every record of the export is imported',
    },
  },
};
