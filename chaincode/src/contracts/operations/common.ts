import { authorize, type Authorization, type AuthorizationFacts } from '../../access/authorize';
import type { AssetStatus } from '../../constants';
import type { Asset } from '../../domain/asset';
import { WaybillError } from '../../domain/errors';
import { resolveTarget, type Action } from '../../domain/state-machine';
import { expectId } from '../../domain/validation';
import type { TxContext } from '../tx-context';

/** The asset and the permission to act on it. */
export interface Authorized {
  readonly asset: Asset;
  readonly authorization: Authorization;
  /** Status after the action (per the state machine row). */
  readonly nextStatus: AssetStatus;
}

/**
 * Validates the id, loads the asset and authorises `action` on it (see `authorize`).
 *
 * @throws `INVALID_ARGUMENT`, `ASSET_NOT_FOUND`, `FORBIDDEN`, `INVALID_TRANSITION`, `CONFLICT`.
 */
export async function loadAuthorized(
  tx: TxContext,
  action: Action,
  assetIdArg: unknown,
  facts: (asset: Asset) => AuthorizationFacts = () => ({}),
): Promise<Authorized> {
  const caller = tx.caller;
  const assetId = expectId(assetIdArg, 'assetId');
  const asset = await tx.assets.get(assetId);
  const authorization = authorize(action, caller, asset, facts(asset));
  return {
    asset,
    authorization,
    nextStatus: resolveTarget(authorization.transition.to, asset.status, asset.hold?.previousStatus),
  };
}

/** Update stamp of the current transaction. */
export function stamp(tx: TxContext): Pick<Asset, 'updatedAt' | 'updatedTxId'> {
  return { updatedAt: tx.now, updatedTxId: tx.txId };
}

/**
 * Refuses to end an asset's active life while a handover or sale is pending: the holder must
 * cancel it first, so that nobody is left with an offer on something that no longer exists.
 */
export function requireNothingPending(asset: Asset, action: Action): void {
  if (asset.pendingHandover !== null) {
    throw WaybillError.conflict(`cannot ${action} asset '${asset.id}': a handover to ${asset.pendingHandover.to} is pending`);
  }
  if (asset.pendingSale !== null) {
    throw WaybillError.conflict(`cannot ${action} asset '${asset.id}': a sale to ${asset.pendingSale.buyer} is pending`);
  }
}

/** Fields of an asset most events carry. */
export function assetSummary(asset: Asset): Record<string, unknown> {
  return {
    assetId: asset.id,
    sku: asset.product.sku,
    status: asset.status,
    owner: asset.owner,
    custodian: asset.custodian,
  };
}
