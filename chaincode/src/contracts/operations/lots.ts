import { authorize, requireRoleFor } from '../../access/authorize';
import { EVENTS, LIMITS } from '../../constants';
import { type Asset, newAsset, type Origin, type SplitResult } from '../../domain/asset';
import { WaybillError } from '../../domain/errors';
import { parseMergeInput, parseSplitInput } from '../../domain/inputs';
import { amountsAddUpTo, sumAmounts } from '../../domain/quantity';
import { resolveTarget } from '../../domain/state-machine';
import type { TxContext } from '../tx-context';
import { loadAuthorized, requireNothingPending, stamp } from './common';

/**
 * Splits a lot into sub-lots whose amounts add up exactly to the parent's. The parent becomes
 * CONSUMED with the sub-lots as children; each sub-lot has the parent as its only parent and
 * inherits product, unit, origin, holders, manufacturers, status and (unless given) attributes.
 *
 * @throws `INVALID_ARGUMENT` (amounts do not add up, malformed parts), `ASSET_EXISTS`,
 *   `CONFLICT` (pending handover/sale), `FORBIDDEN`, `INVALID_TRANSITION`.
 */
export async function splitAsset(tx: TxContext, assetId: string, input: string): Promise<SplitResult> {
  requireRoleFor('splitAsset', tx.caller);
  const { parts } = parseSplitInput(input);
  const { asset: parent, nextStatus } = await loadAuthorized(tx, 'splitAsset', assetId);
  requireNothingPending(parent, 'splitAsset');
  if (!amountsAddUpTo(parts.map((p) => p.amount), parent.quantity.amount)) {
    // The parent's quantity is the asset's state, not the request's shape: a conflict with it.
    throw WaybillError.conflict(
      `parts add up to ${sumAmounts(parts.map((p) => p.amount))} ${parent.quantity.unit}, asset '${parent.id}' has ${parent.quantity.amount}`,
    );
  }
  for (const part of parts) {
    if (part.id === parent.id) {
      throw WaybillError.assetExists(part.id);
    }
    await tx.assets.assertAbsent(part.id);
  }
  const children: Asset[] = parts.map((part) => ({
    ...derivedLot(tx, parent),
    id: part.id,
    quantity: { amount: part.amount, unit: parent.quantity.unit },
    attributes: part.attributes ?? parent.attributes,
    parents: [parent.id],
  }));
  const after: Asset = {
    ...parent,
    status: nextStatus,
    children: children.map((c) => c.id),
    ...stamp(tx),
  };
  await tx.assets.update(parent, after);
  for (const child of children) {
    await tx.assets.create(child);
  }
  tx.events.emit(EVENTS.ASSET_SPLIT, tx.envelope(), {
    parentId: parent.id,
    childIds: children.map((c) => c.id),
    sku: parent.product.sku,
    unit: parent.quantity.unit,
    amounts: children.map((c) => c.quantity.amount),
    owner: parent.owner,
    custodian: parent.custodian,
    status: after.status,
    childStatus: parent.status,
  });
  return { parent: after, children };
}

/**
 * Merges lots of the same SKU, unit and status, all owned and held by the caller's organisation,
 * into a new lot whose amount is their exact sum. Inputs become CONSUMED with the new lot as
 * child; the new lot lists them as parents.
 *
 * @throws `CONFLICT` (inputs differ in SKU/unit/status/holders, or have pending handover/sale),
 *   `INVALID_ARGUMENT` (origins differ and no origin given), `ASSET_EXISTS`, `ASSET_NOT_FOUND`,
 *   `FORBIDDEN`, `INVALID_TRANSITION`.
 */
export async function mergeAssets(tx: TxContext, input: string): Promise<Asset> {
  requireRoleFor('mergeAssets', tx.caller);
  const parsed = parseMergeInput(input);
  const inputs: Asset[] = [];
  const nextStatuses: Asset['status'][] = [];
  for (const id of parsed.assetIds) {
    const asset = await tx.assets.get(id);
    const { transition } = authorize('mergeAssets', tx.caller, asset);
    requireNothingPending(asset, 'mergeAssets');
    inputs.push(asset);
    nextStatuses.push(resolveTarget(transition.to, asset.status, undefined));
  }
  const first = inputs[0];
  if (first === undefined) {
    throw WaybillError.invalidArgument('input.assetIds must not be empty');
  }
  for (const other of inputs.slice(1)) {
    const differs = (what: string, a: string, b: string): never => {
      throw WaybillError.conflict(`cannot merge '${first.id}' and '${other.id}': ${what} differ (${a} vs ${b})`);
    };
    if (other.product.sku !== first.product.sku) differs('SKUs', first.product.sku, other.product.sku);
    if (other.quantity.unit !== first.quantity.unit) differs('units', first.quantity.unit, other.quantity.unit);
    if (other.status !== first.status) differs('statuses', first.status, other.status);
    if (other.owner !== first.owner) differs('owners', first.owner, other.owner);
    if (other.custodian !== first.custodian) differs('custodians', first.custodian, other.custodian);
  }
  const origin = parsed.origin ?? commonOrigin(inputs);
  await tx.assets.assertAbsent(parsed.newAssetId);
  const merged: Asset = {
    ...derivedLot(tx, first),
    id: parsed.newAssetId,
    quantity: { amount: sumAmounts(inputs.map((a) => a.quantity.amount)), unit: first.quantity.unit },
    origin,
    attributes: parsed.attributes,
    manufacturers: [...new Set(inputs.flatMap((a) => a.manufacturers))].sort(),
    parents: inputs.map((a) => a.id),
  };
  if (merged.quantity.amount > LIMITS.MAX_QUANTITY) {
    throw WaybillError.invalidArgument(`merged quantity would exceed ${LIMITS.MAX_QUANTITY}`);
  }
  for (const [i, asset] of inputs.entries()) {
    await tx.assets.update(asset, {
      ...asset,
      status: nextStatuses[i] ?? asset.status,
      children: [...asset.children, merged.id],
      ...stamp(tx),
    });
  }
  await tx.assets.create(merged);
  tx.events.emit(EVENTS.ASSETS_MERGED, tx.envelope(), {
    parentIds: merged.parents,
    childId: merged.id,
    sku: merged.product.sku,
    quantity: merged.quantity,
    owner: merged.owner,
    custodian: merged.custodian,
    status: merged.status,
  });
  return merged;
}

/** Fields a new lot derived from `source` shares with it (lineage and quantity set by the caller). */
function derivedLot(tx: TxContext, source: Asset): Asset {
  return newAsset(
    {
      id: source.id,
      product: source.product,
      quantity: source.quantity,
      origin: source.origin,
      attributes: source.attributes,
      owner: source.owner,
      custodian: source.custodian,
      manufacturers: source.manufacturers,
      status: source.status,
    },
    tx.now,
    tx.txId,
  );
}

function commonOrigin(inputs: readonly Asset[]): Origin {
  const [first, ...others] = inputs;
  if (first === undefined || others.some((a) => a.origin.site !== first.origin.site || a.origin.country !== first.origin.country)) {
    throw WaybillError.conflict('the merged assets have different origins; give input.origin for the new lot');
  }
  return first.origin;
}
