import type { Role } from '../constants';

/** A recall in progress or complete, stored on the ledger so that it can be continued. */
export interface RecallRecord {
  readonly docType: 'waybill.recall';
  readonly recallId: string;
  readonly rootAssetId: string;
  readonly reason: string;
  readonly initiatorOrg: string;
  readonly initiatorRole: Role;
  /** Asset ids still to visit, breadth-first. */
  readonly queue: readonly string[];
  /** Assets marked so far. */
  readonly markedCount: number;
  readonly complete: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly updatedTxId: string;
}

/** Answer of `recallAsset` and `continueRecall`. */
export interface RecallProgress {
  readonly recallId: string;
  readonly rootAssetId: string;
  /** Assets marked by this transaction. */
  readonly markedAssetIds: readonly string[];
  readonly markedCount: number;
  /** Asset ids still queued; call `continueRecall` while this is not empty. */
  readonly remaining: number;
  readonly complete: boolean;
}
