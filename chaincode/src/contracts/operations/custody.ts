import { requireRoleFor } from '../../access/authorize';
import { EVENTS } from '../../constants';
import type { Asset } from '../../domain/asset';
import { WaybillError } from '../../domain/errors';
import { expectMspId } from '../../domain/validation';
import type { TxContext } from '../tx-context';
import { assetSummary, loadAuthorized, stamp } from './common';
import { requireTradingCounterparty } from './sales';

/**
 * The custodian proposes to hand the goods over to `toOrg` (step 1 of 2).
 *
 * @throws `FORBIDDEN`, `INVALID_TRANSITION`, `CONFLICT` (a handover is already pending),
 *   `INVALID_ARGUMENT` (malformed org, or the custodian itself).
 */
export async function proposeHandover(tx: TxContext, assetId: string, toOrgArg: string): Promise<Asset> {
  requireRoleFor('proposeHandover', tx.caller);
  const toOrg = expectMspId(toOrgArg, 'toOrg');
  await requireTradingCounterparty(tx, toOrg, 'toOrg');
  const { asset } = await loadAuthorized(tx, 'proposeHandover', assetId);
  if (asset.pendingHandover !== null) {
    throw WaybillError.conflict(`asset '${asset.id}' already has a handover pending to ${asset.pendingHandover.to}`);
  }
  if (toOrg === asset.custodian) {
    throw WaybillError.conflict(`toOrg ${toOrg} is already the custodian of asset '${asset.id}'`);
  }
  const after: Asset = {
    ...asset,
    pendingHandover: { from: asset.custodian, to: toOrg, proposedAt: tx.now, txId: tx.txId },
    ...stamp(tx),
  };
  await tx.assets.update(asset, after);
  tx.events.emit(EVENTS.HANDOVER_PROPOSED, tx.envelope(), { ...assetSummary(after), from: asset.custodian, to: toOrg });
  return after;
}

/**
 * The recipient accepts the handover (step 2): it becomes the custodian; the status follows the
 * state machine (IN_TRANSIT for a carrier, DELIVERED for a manufacturer or retailer).
 */
export async function acceptHandover(tx: TxContext, assetId: string): Promise<Asset> {
  const { asset, nextStatus } = await loadAuthorized(tx, 'acceptHandover', assetId);
  const pending = asset.pendingHandover;
  if (pending === null) {
    throw WaybillError.internal(`asset '${asset.id}' lost its pending handover`);
  }
  const after: Asset = { ...asset, custodian: pending.to, status: nextStatus, pendingHandover: null, ...stamp(tx) };
  await tx.assets.update(asset, after);
  tx.events.emit(EVENTS.HANDOVER_ACCEPTED, tx.envelope(), {
    ...assetSummary(after),
    from: pending.from,
    to: pending.to,
    previousStatus: asset.status,
  });
  return after;
}

/** The recipient declines the handover; custody does not change. */
export async function rejectHandover(tx: TxContext, assetId: string): Promise<Asset> {
  return withdraw(tx, assetId, 'rejectHandover');
}

/** The proposer withdraws the handover before it is accepted. */
export async function cancelHandover(tx: TxContext, assetId: string): Promise<Asset> {
  return withdraw(tx, assetId, 'cancelHandover');
}

async function withdraw(tx: TxContext, assetId: string, action: 'rejectHandover' | 'cancelHandover'): Promise<Asset> {
  const { asset } = await loadAuthorized(tx, action, assetId);
  const pending = asset.pendingHandover;
  if (pending === null) {
    throw WaybillError.internal(`asset '${asset.id}' lost its pending handover`);
  }
  const after: Asset = { ...asset, pendingHandover: null, ...stamp(tx) };
  await tx.assets.update(asset, after);
  tx.events.emit(action === 'rejectHandover' ? EVENTS.HANDOVER_REJECTED : EVENTS.HANDOVER_CANCELLED, tx.envelope(), {
    ...assetSummary(after),
    from: pending.from,
    to: pending.to,
  });
  return after;
}
