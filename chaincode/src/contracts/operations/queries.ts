import { ALL_ASSET_STATUSES, LIMITS } from '../../constants';
import type { Asset, AssetHistory, AssetHistoryEntry, AssetPage, Lineage, LineageNode } from '../../domain/asset';
import { WaybillError } from '../../domain/errors';
import { toIsoTimestamp } from '../../domain/timestamp';
import { RE, expectId, expectInteger, expectMspId, expectOneOf, expectPattern } from '../../domain/validation';
import { decodeAsset, indexValue } from '../asset-store';
import { KEY_TYPES, assetKey, type IndexName } from '../ledger-keys';
import type { TxContext } from '../tx-context';

/** Indexes a list query can use. */
export type ListIndex = IndexName;

/**
 * The asset (any role).
 *
 * @throws `ASSET_NOT_FOUND`, `INVALID_ARGUMENT`.
 */
export async function getAsset(tx: TxContext, assetId: string): Promise<Asset> {
  void tx.caller;
  return tx.assets.get(expectId(assetId, 'assetId'));
}

/** Whether an asset exists (any role). */
export async function assetExists(tx: TxContext, assetId: string): Promise<boolean> {
  void tx.caller;
  return (await tx.assets.find(expectId(assetId, 'assetId'))) !== undefined;
}

/**
 * Every version of the asset from the history database, newest first (Fabric's order), at most
 * {@link LIMITS.MAX_HISTORY_ENTRIES}.
 *
 * @throws `ASSET_NOT_FOUND` when the key never existed.
 */
export async function getAssetHistory(tx: TxContext, assetIdArg: string): Promise<AssetHistory> {
  void tx.caller;
  const assetId = expectId(assetIdArg, 'assetId');
  const iterator = await tx.stub.getHistoryForKey(assetKey(tx.stub, assetId));
  const entries: AssetHistoryEntry[] = [];
  let truncated = false;
  try {
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      if (entries.length === LIMITS.MAX_HISTORY_ENTRIES) {
        truncated = true;
        break;
      }
      const mod = next.value;
      entries.push({
        txId: mod.txId,
        timestamp: toIsoTimestamp(mod.timestamp),
        isDelete: mod.isDelete,
        asset: mod.isDelete || mod.value.length === 0 ? null : decodeAsset(mod.value, `history of '${assetId}'`),
      });
    }
  } finally {
    await iterator.close();
  }
  if (entries.length === 0) {
    throw WaybillError.assetNotFound(assetId);
  }
  return { assetId, entries, truncated };
}

/**
 * Ancestors (through `parents`) and descendants (through `children`), breadth-first, up to
 * `depth` levels and {@link LIMITS.MAX_LINEAGE_NODES} assets in each direction.
 */
export async function getLineage(tx: TxContext, assetIdArg: string, depthArg: number): Promise<Lineage> {
  void tx.caller;
  const assetId = expectId(assetIdArg, 'assetId');
  const depth = expectInteger(depthArg, 'depth', 1, LIMITS.MAX_LINEAGE_DEPTH);
  const root = await tx.assets.get(assetId);
  const up = await walk(tx, root, depth, (a) => a.parents);
  const down = await walk(tx, root, depth, (a) => a.children);
  return { assetId, depth, ancestors: up.nodes, descendants: down.nodes, truncated: up.truncated || down.truncated };
}

async function walk(
  tx: TxContext,
  root: Asset,
  maxDepth: number,
  next: (asset: Asset) => readonly string[],
): Promise<{ nodes: LineageNode[]; truncated: boolean }> {
  const nodes: LineageNode[] = [];
  const seen = new Set<string>([root.id]);
  let frontier: Asset[] = [root];
  let truncated = false;
  for (let level = 1; frontier.length > 0; level += 1) {
    const ids = frontier.flatMap(next).filter((id) => !seen.has(id));
    if (ids.length === 0) {
      break;
    }
    if (level > maxDepth) {
      truncated = true;
      break;
    }
    const nextFrontier: Asset[] = [];
    for (const id of ids) {
      if (seen.has(id)) {
        continue;
      }
      if (nodes.length === LIMITS.MAX_LINEAGE_NODES) {
        return { nodes, truncated: true };
      }
      seen.add(id);
      const asset = await tx.assets.get(id);
      nodes.push({
        id: asset.id,
        depth: level,
        sku: asset.product.sku,
        status: asset.status,
        owner: asset.owner,
        quantity: asset.quantity,
        parents: asset.parents,
        children: asset.children,
      });
      nextFrontier.push(asset);
    }
    frontier = nextFrontier;
  }
  return { nodes, truncated };
}

/**
 * One page of assets by owner, custodian, status or SKU, in index (key) order.
 * Index entries whose asset no longer matches are skipped (they cannot occur unless an index key
 * was written outside this chaincode's logic; see docs/chaincode.md).
 *
 * @throws `INVALID_ARGUMENT` (value, page size or bookmark).
 */
export async function listAssets(
  tx: TxContext,
  index: ListIndex,
  valueArg: string,
  pageSizeArg: number,
  bookmarkArg: string,
): Promise<AssetPage> {
  void tx.caller;
  const value = validateIndexValue(index, valueArg);
  const pageSize = expectInteger(pageSizeArg, 'pageSize', 1, LIMITS.MAX_PAGE_SIZE);
  const objectType = KEY_TYPES.INDEX[index];
  const bookmark = typeof bookmarkArg === 'string' ? bookmarkArg : '';
  const prefix = tx.stub.createCompositeKey(objectType, [value]);
  if (bookmark !== '' && !bookmark.startsWith(prefix)) {
    throw WaybillError.invalidArgument(`bookmark does not belong to this ${index} query`);
  }
  const { iterator, metadata } = await tx.stub.getStateByPartialCompositeKeyWithPagination(
    objectType,
    [value],
    pageSize,
    bookmark,
  );
  const records: Asset[] = [];
  try {
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      const { attributes } = tx.stub.splitCompositeKey(next.value.key);
      const assetId = attributes[1];
      const asset = assetId === undefined ? undefined : await tx.assets.find(assetId);
      if (asset === undefined || indexValue(asset, index) !== value) {
        tx.logger.warn(`stale ${index} index entry skipped`);
        continue;
      }
      records.push(asset);
    }
  } finally {
    await iterator.close();
  }
  // fabric-shim omits the metadata of an empty page (its protobuf encodes to nothing).
  const page = metadata as typeof metadata | undefined;
  return { records, bookmark: page?.bookmark ?? '', fetchedRecordsCount: page?.fetchedRecordsCount ?? 0 };
}

function validateIndexValue(index: ListIndex, value: unknown): string {
  switch (index) {
    case 'owner':
      return expectMspId(value, 'owner');
    case 'custodian':
      return expectMspId(value, 'custodian');
    case 'status':
      return expectOneOf(value, 'status', ALL_ASSET_STATUSES);
    case 'sku':
      return expectPattern(value, 'sku', RE.SKU);
  }
}
