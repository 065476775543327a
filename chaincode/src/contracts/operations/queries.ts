import type { Asset, AssetHistory, AssetPage, Lineage } from '../../domain/asset';
import { WaybillError } from '../../domain/errors';
import type { TxContext } from '../tx-context';

const todo = (): never => {
  throw WaybillError.internal('not implemented yet');
};

/** Indexes a list query can use. */
export type ListIndex = 'owner' | 'custodian' | 'status' | 'sku';

export const getAsset = (_tx: TxContext, _assetId: string): Promise<Asset> => todo();
export const assetExists = (_tx: TxContext, _assetId: string): Promise<boolean> => todo();
export const getAssetHistory = (_tx: TxContext, _assetId: string): Promise<AssetHistory> => todo();
export const getLineage = (_tx: TxContext, _assetId: string, _depth: number): Promise<Lineage> => todo();
export const listAssets = (
  _tx: TxContext,
  _index: ListIndex,
  _value: string,
  _pageSize: number,
  _bookmark: string,
): Promise<AssetPage> => todo();
