import type { Asset } from '../../domain/asset';
import { WaybillError } from '../../domain/errors';
import type { TxContext } from '../tx-context';

const todo = (): never => {
  throw WaybillError.internal('not implemented yet');
};

export const createAsset = (_tx: TxContext, _input: string): Promise<Asset> => todo();
export const putOnHold = (_tx: TxContext, _assetId: string, _reason: string): Promise<Asset> => todo();
export const releaseHold = (_tx: TxContext, _assetId: string): Promise<Asset> => todo();
export const markSold = (_tx: TxContext, _assetId: string): Promise<Asset> => todo();
export const consumeAsset = (_tx: TxContext, _assetId: string): Promise<Asset> => todo();
export const destroyAsset = (_tx: TxContext, _assetId: string): Promise<Asset> => todo();
