import type { AssetStatus, PersonalDataCategory, Role } from '../constants';

/** Product identification of an asset. */
export interface Product {
  /** Stock-keeping unit; indexed (`listAssetsBySku`). */
  readonly sku: string;
  /** Human-readable, non-personal description. */
  readonly description: string;
}

/** Quantity with its unit; amounts are exact decimals with at most 6 decimal places. */
export interface Quantity {
  readonly amount: number;
  readonly unit: string;
}

/** Where the goods come from. */
export interface Origin {
  /** Production site (non-personal name or code). */
  readonly site: string;
  /** ISO 3166-1 alpha-2 country code. */
  readonly country: string;
}

/** Commitment to an off-chain document (certificate, bill of lading...): its name and SHA-256. */
export interface DocumentCommitment {
  readonly name: string;
  readonly sha256: string;
  readonly addedByOrg: string;
  readonly addedAt: string;
  readonly txId: string;
}

/**
 * Reference to personal data kept off-chain by `controllerOrg`: an opaque random reference and a
 * salted commitment, never a value derived from the person without a secret.
 */
export interface PersonalDataRef {
  readonly ref: string;
  /** Salted SHA-256/HMAC hex given by the gateway; `null` once erased. */
  readonly commitment: string | null;
  readonly category: PersonalDataCategory;
  /** The organisation that holds the data (the only one allowed to rectify or erase it). */
  readonly controllerOrg: string;
  readonly addedAt: string;
  readonly updatedAt: string;
  readonly updatedTxId: string;
  /** Transaction timestamp of the erasure, `null` while active. */
  readonly erasedAt: string | null;
}

/** A custody handover waiting for the receiving organisation. */
export interface PendingHandover {
  readonly from: string;
  readonly to: string;
  readonly proposedAt: string;
  readonly txId: string;
}

/** A title transfer (sale) waiting for the buyer; the commercial terms are private, never here. */
export interface PendingSale {
  /** Transaction id of `proposeSale`; both parties' private terms are keyed by it. */
  readonly saleId: string;
  readonly seller: string;
  readonly buyer: string;
  readonly proposedAt: string;
}

/** Why and by whom an asset is on hold. */
export interface HoldInfo {
  readonly reason: string;
  readonly byOrg: string;
  readonly byRole: Role;
  /** Status to return to on release. */
  readonly previousStatus: AssetStatus;
  readonly at: string;
  readonly txId: string;
}

/** Marks an asset reached by a recall. */
export interface RecallMark {
  readonly recallId: string;
  readonly rootAssetId: string;
  readonly at: string;
  readonly txId: string;
}

/** The on-ledger asset: a traceable lot, pallet or shipment. */
export interface Asset {
  readonly docType: 'waybill.asset';
  readonly schemaVersion: 1;
  readonly id: string;
  readonly product: Product;
  readonly quantity: Quantity;
  readonly origin: Origin;
  readonly attributes: Readonly<Record<string, string>>;
  readonly documents: readonly DocumentCommitment[];
  readonly personalDataRefs: readonly PersonalDataRef[];
  /** Organisation holding title. */
  readonly owner: string;
  /** Organisation in physical possession. */
  readonly custodian: string;
  /** Organisations that manufactured the product (creator; inherited by split, united by merge). */
  readonly manufacturers: readonly string[];
  readonly status: AssetStatus;
  readonly hold: HoldInfo | null;
  readonly recall: RecallMark | null;
  readonly parents: readonly string[];
  readonly children: readonly string[];
  readonly pendingHandover: PendingHandover | null;
  readonly pendingSale: PendingSale | null;
  readonly createdAt: string;
  readonly createdTxId: string;
  readonly updatedAt: string;
  readonly updatedTxId: string;
}

/** What a new asset starts with; everything else starts blank (no hold, recall, lineage or offer). */
export type NewAsset = Pick<
  Asset,
  'id' | 'product' | 'quantity' | 'origin' | 'owner' | 'custodian' | 'manufacturers' | 'status'
> &
  Partial<Pick<Asset, 'attributes' | 'documents' | 'personalDataRefs' | 'parents' | 'children'>>;

/**
 * The one constructor of an asset record: `fields` plus blank defaults, created and last updated
 * at `at` by transaction `txId`.
 */
export function newAsset(fields: NewAsset, at: string, txId: string): Asset {
  return {
    docType: 'waybill.asset',
    schemaVersion: 1,
    attributes: {},
    documents: [],
    personalDataRefs: [],
    hold: null,
    recall: null,
    parents: [],
    children: [],
    pendingHandover: null,
    pendingSale: null,
    ...fields,
    createdAt: at,
    createdTxId: txId,
    updatedAt: at,
    updatedTxId: txId,
  };
}

/** One page of a list query. */
export interface AssetPage {
  readonly records: readonly Asset[];
  /** Pass back to get the next page; empty when there is none. */
  readonly bookmark: string;
  /** Index entries read for this page (stale entries are read but not returned). */
  readonly fetchedRecordsCount: number;
}

/** One version of an asset, from the history database. */
export interface AssetHistoryEntry {
  readonly txId: string;
  readonly timestamp: string;
  readonly isDelete: boolean;
  readonly asset: Asset | null;
}

/** History of an asset, newest first. */
export interface AssetHistory {
  readonly assetId: string;
  readonly entries: readonly AssetHistoryEntry[];
  /** True when more than `LIMITS.MAX_HISTORY_ENTRIES` versions exist. */
  readonly truncated: boolean;
}

/** An asset in a lineage answer. */
export interface LineageNode {
  readonly id: string;
  readonly depth: number;
  readonly sku: string;
  readonly status: AssetStatus;
  readonly owner: string;
  readonly quantity: Quantity;
  readonly parents: readonly string[];
  readonly children: readonly string[];
}

/** Ancestors and descendants of an asset, breadth-first, bounded. */
export interface Lineage {
  readonly assetId: string;
  readonly depth: number;
  readonly ancestors: readonly LineageNode[];
  readonly descendants: readonly LineageNode[];
  /** True when the depth or node bound cut the walk short. */
  readonly truncated: boolean;
}

/** Answer of `splitAsset`. */
export interface SplitResult {
  readonly parent: Asset;
  readonly children: readonly Asset[];
}
