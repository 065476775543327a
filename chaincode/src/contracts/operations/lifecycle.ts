import { requireRoleFor } from '../../access/authorize';
import { EVENTS } from '../../constants';
import { type Asset, type DocumentCommitment, newAsset, type PersonalDataRef } from '../../domain/asset';
import { parseCreateAssetInput, parseReason } from '../../domain/inputs';
import { CREATE_GRANT, INITIAL_STATUS, type Action } from '../../domain/state-machine';
import { WaybillError } from '../../domain/errors';
import type { TxContext } from '../tx-context';
import { assetSummary, loadAuthorized, requireNothingPending, stamp } from './common';

/**
 * Creates an asset owned and held by the caller's organisation, in status CREATED.
 *
 * @throws `FORBIDDEN` (role), `INVALID_ARGUMENT`, `ASSET_EXISTS`.
 */
export async function createAsset(tx: TxContext, input: string): Promise<Asset> {
  const caller = tx.caller;
  if (!CREATE_GRANT.roles.includes(caller.role)) {
    throw WaybillError.forbidden(`role '${caller.role}' may not createAsset; requires role ${CREATE_GRANT.roles.join(' or ')}`);
  }
  const parsed = parseCreateAssetInput(input);
  await tx.assets.assertAbsent(parsed.id);
  const org = caller.mspId;
  const documents: DocumentCommitment[] = parsed.documents.map((d) => ({
    name: d.name,
    sha256: d.sha256,
    addedByOrg: org,
    addedAt: tx.now,
    txId: tx.txId,
  }));
  const personalDataRefs: PersonalDataRef[] = parsed.personalDataRefs.map((r) => ({
    ref: r.ref,
    commitment: r.commitment,
    category: r.category,
    controllerOrg: org,
    addedAt: tx.now,
    updatedAt: tx.now,
    updatedTxId: tx.txId,
    erasedAt: null,
  }));
  const asset = newAsset(
    {
      id: parsed.id,
      product: parsed.product,
      quantity: parsed.quantity,
      origin: parsed.origin,
      attributes: parsed.attributes,
      documents,
      personalDataRefs,
      owner: org,
      custodian: org,
      manufacturers: [org],
      status: INITIAL_STATUS,
    },
    tx.now,
    tx.txId,
  );
  await tx.assets.create(asset);
  tx.events.emit(EVENTS.ASSET_CREATED, tx.envelope(), {
    ...assetSummary(asset),
    quantity: asset.quantity,
    origin: asset.origin,
  });
  tx.logger.info(`asset ${asset.id} created by ${org}`);
  return asset;
}

/**
 * Puts an asset on (quality) hold; the status before the hold is kept for the release.
 *
 * @throws `FORBIDDEN`, `INVALID_TRANSITION`, `INVALID_ARGUMENT`, `ASSET_NOT_FOUND`.
 */
export async function putOnHold(tx: TxContext, assetId: string, reasonArg: string): Promise<Asset> {
  requireRoleFor('putOnHold', tx.caller);
  const reason = parseReason(reasonArg);
  const { asset, nextStatus } = await loadAuthorized(tx, 'putOnHold', assetId);
  const after: Asset = {
    ...asset,
    status: nextStatus,
    hold: {
      reason,
      byOrg: tx.caller.mspId,
      byRole: tx.caller.role,
      previousStatus: asset.status,
      at: tx.now,
      txId: tx.txId,
    },
    ...stamp(tx),
  };
  return changeStatus(tx, 'putOnHold', asset, after, { reason });
}

/**
 * Releases a hold: the asset returns to its status before the hold.
 *
 * @throws `FORBIDDEN` (including a regulator's hold released by a non-regulator), `INVALID_TRANSITION`.
 */
export async function releaseHold(tx: TxContext, assetId: string): Promise<Asset> {
  const { asset, nextStatus } = await loadAuthorized(tx, 'releaseHold', assetId);
  if (asset.hold?.byRole === 'regulator' && (tx.caller.role !== 'regulator' || tx.caller.mspId !== asset.hold.byOrg)) {
    throw WaybillError.forbidden(
      `asset '${asset.id}' is held by a regulator of ${asset.hold.byOrg}; only a regulator of ${asset.hold.byOrg} may release it`,
    );
  }
  const after: Asset = { ...asset, status: nextStatus, hold: null, ...stamp(tx) };
  return changeStatus(tx, 'releaseHold', asset, after, { reason: null });
}

/** Marks delivered goods as sold to an end customer (off-network). */
export async function markSold(tx: TxContext, assetId: string): Promise<Asset> {
  return endOfLife(tx, 'markSold', assetId);
}

/** Marks goods as consumed (used up, e.g. in production). */
export async function consumeAsset(tx: TxContext, assetId: string): Promise<Asset> {
  return endOfLife(tx, 'consumeAsset', assetId);
}

/** Marks goods as destroyed. */
export async function destroyAsset(tx: TxContext, assetId: string): Promise<Asset> {
  return endOfLife(tx, 'destroyAsset', assetId);
}

async function endOfLife(tx: TxContext, action: Action, assetId: string): Promise<Asset> {
  const { asset, nextStatus } = await loadAuthorized(tx, action, assetId);
  requireNothingPending(asset, action);
  const after: Asset = { ...asset, status: nextStatus, hold: null, ...stamp(tx) };
  return changeStatus(tx, action, asset, after, { reason: null });
}

async function changeStatus(
  tx: TxContext,
  action: Action,
  before: Asset,
  after: Asset,
  extra: { reason: string | null },
): Promise<Asset> {
  await tx.assets.update(before, after);
  tx.events.emit(EVENTS.STATUS_CHANGED, tx.envelope(), {
    ...assetSummary(after),
    action,
    previousStatus: before.status,
    ...extra,
  });
  return after;
}
