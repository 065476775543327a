import { WaybillError } from '../../domain/errors';
import type { RecallProgress, RecallRecord } from '../../domain/recall';
import type { TxContext } from '../tx-context';

const todo = (): never => {
  throw WaybillError.internal('not implemented yet');
};

export const recallAsset = (_tx: TxContext, _assetId: string, _reason: string): Promise<RecallProgress> => todo();
export const continueRecall = (_tx: TxContext, _recallId: string): Promise<RecallProgress> => todo();
export const getRecall = (_tx: TxContext, _recallId: string): Promise<RecallRecord> => todo();
