import { authorize, requireRoleFor } from '../../access/authorize';
import { EVENTS, LIMITS } from '../../constants';
import type { Asset } from '../../domain/asset';
import { WaybillError } from '../../domain/errors';
import { parseReason } from '../../domain/inputs';
import type { RecallProgress, RecallRecord } from '../../domain/recall';
import { resolveTarget, transitionsOf } from '../../domain/state-machine';
import { expectId } from '../../domain/validation';
import { RecallStore } from '../recall-store';
import type { TxContext } from '../tx-context';
import { stamp } from './common';

/**
 * Recalls an asset and all its descendants (breadth-first through `children`). One transaction
 * visits at most {@link LIMITS.RECALL_BATCH_SIZE} assets; when more remain, the answer has
 * `complete: false` and the caller continues with `continueRecall(recallId)` until complete.
 * Active assets become RECALLED; RECALLED, SOLD, CONSUMED and DESTROYED ones keep their status
 * and are only marked with the recall.
 *
 * @throws `FORBIDDEN` (not a regulator nor a manufacturer of the product), `ASSET_NOT_FOUND`,
 *   `INVALID_ARGUMENT`.
 */
export async function recallAsset(tx: TxContext, assetIdArg: string, reasonArg: string): Promise<RecallProgress> {
  requireRoleFor('recallAsset', tx.caller);
  const reason = parseReason(reasonArg);
  const root = await tx.assets.get(expectId(assetIdArg, 'assetId'));
  authorize('recallAsset', tx.caller, root);
  const record: RecallRecord = {
    docType: 'waybill.recall',
    recallId: tx.txId,
    rootAssetId: root.id,
    reason,
    initiatorOrg: tx.caller.mspId,
    initiatorRole: tx.caller.role,
    queue: [root.id],
    markedCount: 0,
    complete: false,
    createdAt: tx.now,
    updatedAt: tx.now,
    updatedTxId: tx.txId,
  };
  return processBatch(tx, record);
}

/**
 * Continues a recall that an earlier transaction left incomplete.
 *
 * @throws `RECALL_NOT_FOUND`, `CONFLICT` (already complete), `FORBIDDEN`.
 */
export async function continueRecall(tx: TxContext, recallIdArg: string): Promise<RecallProgress> {
  requireRoleFor('recallAsset', tx.caller);
  const store = new RecallStore(tx.stub);
  const record = await store.get(expectId(recallIdArg, 'recallId'));
  const root = await tx.assets.get(record.rootAssetId);
  authorize('recallAsset', tx.caller, root);
  if (record.complete) {
    throw WaybillError.conflict(`recall '${record.recallId}' is already complete`);
  }
  return processBatch(tx, record);
}

/** The recall record (any role). */
export async function getRecall(tx: TxContext, recallIdArg: string): Promise<RecallRecord> {
  void tx.caller;
  return new RecallStore(tx.stub).get(expectId(recallIdArg, 'recallId'));
}

async function processBatch(tx: TxContext, record: RecallRecord): Promise<RecallProgress> {
  const queue = [...record.queue];
  const marked: string[] = [];
  let visited = 0;
  while (queue.length > 0 && visited < LIMITS.RECALL_BATCH_SIZE) {
    const id = queue.shift() as string;
    visited += 1;
    const asset = await tx.assets.get(id);
    if (asset.recall?.recallId === record.recallId) {
      continue; // reached twice through a merge: already marked by this recall
    }
    await tx.assets.update(asset, recalled(tx, asset, record));
    marked.push(asset.id);
    for (const child of asset.children) {
      if (!queue.includes(child)) {
        queue.push(child);
      }
    }
  }
  const updated: RecallRecord = {
    ...record,
    queue,
    markedCount: record.markedCount + marked.length,
    complete: queue.length === 0,
    updatedAt: tx.now,
    updatedTxId: tx.txId,
  };
  await new RecallStore(tx.stub).put(updated);
  const progress: RecallProgress = {
    recallId: record.recallId,
    rootAssetId: record.rootAssetId,
    markedAssetIds: marked,
    markedCount: updated.markedCount,
    remaining: queue.length,
    complete: updated.complete,
  };
  tx.events.emit(EVENTS.ASSET_RECALLED, tx.envelope(), { ...progress, reason: record.reason });
  tx.logger.info(`recall ${record.recallId}: marked ${marked.length}, ${queue.length} remaining`);
  return progress;
}

function recalled(tx: TxContext, asset: Asset, record: RecallRecord): Asset {
  const row = transitionsOf('recallAsset').find((r) => r.from.includes(asset.status));
  const status = row === undefined ? asset.status : resolveTarget(row.to, asset.status, undefined);
  return {
    ...asset,
    status,
    hold: status === asset.status ? asset.hold : null,
    recall: { recallId: record.recallId, rootAssetId: record.rootAssetId, at: tx.now, txId: tx.txId },
    ...stamp(tx),
  };
}
