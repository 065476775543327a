import { EVENTS } from '@waybill/chaincode/constants';

/**
 * The assets an event concerns, primary first: the primary asset orders webhook deliveries (one
 * asset's events are delivered in ledger order) and every id feeds the `asset` filter and the read
 * model. Payload fields per event are the chaincode's event catalogue; only split, merge, recall and
 * a migration's import batch name assets other than `assetId`.
 */
export function assetIdsOf(name: string, payload: unknown): string[] {
  const p = (typeof payload === 'object' && payload !== null ? payload : {}) as Record<string, unknown>;
  const str = (v: unknown): string[] => (typeof v === 'string' && v !== '' ? [v] : []);
  const strs = (v: unknown): string[] =>
    Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x !== '') : [];
  const ids =
    name === EVENTS.ASSET_SPLIT
      ? [...str(p.parentId), ...strs(p.childIds)]
      : name === EVENTS.ASSETS_MERGED
        ? [...str(p.childId), ...strs(p.parentIds)]
        : name === EVENTS.ASSET_RECALLED
          ? [...str(p.rootAssetId), ...strs(p.markedAssetIds)]
          : name === EVENTS.RECORDS_IMPORTED
            ? strs(p.assetIds)
            : str(p.assetId);
  return [...new Set(ids)];
}
