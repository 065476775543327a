import { LedgerInternalError } from './ledger.errors';
import type { SubmitRequest } from './ledger.port';

/**
 * Tells the caller a transaction's ID before it is ordered ({@link SubmitRequest.beforeOrdering}).
 * @throws {@link LedgerInternalError} (stage `endorse`) when the caller failed to record it: the
 *   transaction is then not sent to the orderer.
 */
export async function announce(request: SubmitRequest, txId: string): Promise<void> {
  if (!request.beforeOrdering) return;
  try {
    await request.beforeOrdering(txId);
  } catch (err) {
    throw new LedgerInternalError({
      stage: 'endorse',
      txId,
      message: 'recording the transaction ID before ordering failed; nothing was sent to the orderer',
      cause: err,
    });
  }
}
