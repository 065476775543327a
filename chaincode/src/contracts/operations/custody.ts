import type { Asset } from '../../domain/asset';
import { WaybillError } from '../../domain/errors';
import type { TxContext } from '../tx-context';

const todo = (): never => {
  throw WaybillError.internal('not implemented yet');
};

export const proposeHandover = (_tx: TxContext, _assetId: string, _toOrg: string): Promise<Asset> => todo();
export const acceptHandover = (_tx: TxContext, _assetId: string): Promise<Asset> => todo();
export const rejectHandover = (_tx: TxContext, _assetId: string): Promise<Asset> => todo();
export const cancelHandover = (_tx: TxContext, _assetId: string): Promise<Asset> => todo();
