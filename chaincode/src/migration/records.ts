import type { Asset, AssetHistoryEntry } from '../domain/asset';
import type { RecallRecord } from '../domain/recall';

/** Format tag of a Waybill migration export (its header line). */
export const MIGRATION_FORMAT = 'waybill.migration/1';

/** Where a record's value was last written on the source network. */
export interface Provenance {
  /** Source channel. */
  readonly channel: string;
  /** Block holding the transaction that last wrote the value. */
  readonly blockNumber: number;
  /** That transaction. */
  readonly txId: string;
  /** Hex SHA-256 of the block header (Fabric's block hash: ASN.1 DER of number, previous hash, data hash). */
  readonly blockHash: string;
}

/** Key-level endorsement policy of an asset: `n` of the peers of `orgs`. */
export interface KeyPolicy {
  readonly orgs: readonly string[];
  readonly n: number;
}

/** An asset as exported: its world-state value, key-level policy and full history. */
export interface AssetRecord {
  readonly kind: 'asset';
  /** Position of the record in the export (and leaf index in the Merkle tree). */
  readonly index: number;
  readonly id: string;
  readonly asset: Asset;
  readonly endorsement: KeyPolicy;
  /** Every version, newest first (Fabric's order); `historyTruncated` past `LIMITS.MAX_HISTORY_ENTRIES`. */
  readonly history: readonly AssetHistoryEntry[];
  readonly historyTruncated: boolean;
  readonly provenance: Provenance;
}

/** A recall record as exported. */
export interface RecallExportRecord {
  readonly kind: 'recall';
  readonly index: number;
  readonly id: string;
  readonly recall: RecallRecord;
  readonly provenance: Provenance;
}

/** One record of an export: a Merkle leaf is the SHA-256 (RFC 9162 leaf hash) of its canonical JSON. */
export type MigrationRecord = AssetRecord | RecallExportRecord;

/** Kinds of records, in export order (assets first, then recalls, each by id). */
export const RECORD_KINDS = ['asset', 'recall'] as const;

/** A record kind. */
export type RecordKind = (typeof RECORD_KINDS)[number];

/** How a record is named in messages: `record #17 (asset 'LOT-9')`. */
export function describeRecord(index: number, kind: string, id: string): string {
  return `record #${index} (${kind} '${id}')`;
}

/** One page of `exportAssets`: each asset with its key-level policy, in key order. */
export interface AssetExportPage {
  readonly records: readonly { readonly asset: Asset; readonly endorsement: KeyPolicy }[];
  readonly bookmark: string;
}

/** One page of `exportRecalls`, in key order. */
export interface RecallExportPage {
  readonly records: readonly RecallRecord[];
  /**
   * Per record (same order), the transaction that last wrote its key on the ledger read: on a
   * ledger filled by a migration, the import transaction, whereas the record's `updatedTxId`
   * stays the source network's. Absent from chaincode versions before it was added.
   */
  readonly lastTxIds?: readonly string[];
  readonly bookmark: string;
}

/** What an organisation attests on the target network (`attestMigration`). */
export interface MigrationAttestationInput {
  /** Hex RFC 9162 root over every record. */
  readonly root: string;
  readonly recordCount: number;
  /** Hex SHA-256 of the export file the organisation verified. */
  readonly exportSha256: string;
  readonly sourceChannel: string;
}

/** An attestation as stored. */
export interface MigrationAttestation extends MigrationAttestationInput {
  readonly docType: 'waybill.migration.attestation';
  readonly mspId: string;
  readonly at: string;
  readonly txId: string;
}

/** Progress of an import on the target network. */
export interface MigrationImport {
  readonly docType: 'waybill.migration.import';
  readonly root: string;
  readonly recordCount: number;
  readonly exportSha256: string;
  readonly sourceChannel: string;
  /** Index of the next record to import (records are imported in order, none skipped). */
  readonly nextIndex: number;
  readonly imported: { readonly asset: number; readonly recall: number };
  readonly complete: boolean;
  readonly updatedAt: string;
  readonly updatedTxId: string;
}

/** Answer of `getMigration`. */
export interface MigrationStatus {
  readonly root: string;
  readonly attestations: readonly MigrationAttestation[];
  /** Member organisations whose attestation counts, and how many are needed. */
  readonly attestedBy: readonly string[];
  readonly required: number;
  readonly import: MigrationImport | null;
}

/** One entry of an import batch: a record's canonical JSON and its audit path (hex hashes). */
export interface ImportEntry {
  readonly record: string;
  readonly proof: readonly string[];
}

/** Where an imported asset came from (`getImportProvenance`); its target history starts with the import. */
export interface ImportProvenance {
  readonly docType: 'waybill.migration.provenance';
  readonly assetId: string;
  readonly root: string;
  readonly index: number;
  readonly source: Provenance;
  readonly importedAt: string;
  readonly importedTxId: string;
}
