import type { Asset, SplitResult } from '../../domain/asset';
import { WaybillError } from '../../domain/errors';
import type { TxContext } from '../tx-context';

const todo = (): never => {
  throw WaybillError.internal('not implemented yet');
};

export const splitAsset = (_tx: TxContext, _assetId: string, _input: string): Promise<SplitResult> => todo();
export const mergeAssets = (_tx: TxContext, _input: string): Promise<Asset> => todo();
