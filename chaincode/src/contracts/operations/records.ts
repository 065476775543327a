import type { Asset } from '../../domain/asset';
import type { DocumentVerification } from '../../domain/document-verification';
import { WaybillError } from '../../domain/errors';
import type { TxContext } from '../tx-context';

const todo = (): never => {
  throw WaybillError.internal('not implemented yet');
};

export const updateAttributes = (_tx: TxContext, _assetId: string, _input: string): Promise<Asset> => todo();
export const addDocument = (_tx: TxContext, _assetId: string, _name: string, _sha: string): Promise<Asset> => todo();
export const verifyDocument = (
  _tx: TxContext,
  _assetId: string,
  _name: string,
  _sha: string,
): Promise<DocumentVerification> => todo();
export const upsertPersonalDataRef = (_tx: TxContext, _assetId: string, _input: string): Promise<Asset> => todo();
export const erasePersonalDataRef = (_tx: TxContext, _assetId: string, _ref: string): Promise<Asset> => todo();
