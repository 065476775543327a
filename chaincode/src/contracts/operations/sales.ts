import type { Asset } from '../../domain/asset';
import { WaybillError } from '../../domain/errors';
import type { SaleTerms, TermsReceipt } from '../../domain/sale-terms';
import type { TxContext } from '../tx-context';

const todo = (): never => {
  throw WaybillError.internal('not implemented yet');
};

export const proposeSale = (_tx: TxContext, _assetId: string, _buyer: string): Promise<Asset> => todo();
export const agreeSaleTerms = (_tx: TxContext, _assetId: string): Promise<TermsReceipt> => todo();
export const acceptSale = (_tx: TxContext, _assetId: string): Promise<Asset> => todo();
export const rejectSale = (_tx: TxContext, _assetId: string): Promise<Asset> => todo();
export const cancelSale = (_tx: TxContext, _assetId: string): Promise<Asset> => todo();
export const getTerms = (_tx: TxContext, _assetId: string): Promise<SaleTerms> => todo();
