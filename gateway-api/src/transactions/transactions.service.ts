import type { AuthenticatedClient } from '../common/client';
import { ProblemException } from '../common/problems';
import type { LedgerService } from '../ledger/ledger.service';
import type { SubmittedTransactionsRepository } from '../ledger/submitted-transactions.repository';

/** Status of a transaction as the API reports it. */
export type TransactionStatusView =
  | {
      readonly txId: string;
      readonly status: 'COMMITTED';
      readonly valid: boolean;
      readonly validationCode: string;
      readonly blockNumber: number;
    }
  | {
      readonly txId: string;
      readonly status: 'PENDING';
      readonly transaction: string;
      readonly submittedAt: string;
    };

/** Answers `GET /v1/transactions/{txId}`. */
export class TransactionsService {
  constructor(
    private readonly ledger: LedgerService,
    private readonly submitted: SubmittedTransactionsRepository,
    private readonly waitMs: number,
  ) {}

  /**
   * The ledger's commit status of a transaction; PENDING when this gateway submitted it and it has
   * not committed yet.
   * @throws {@link ProblemException} TRANSACTION_NOT_FOUND when neither the ledger nor this gateway knows it.
   */
  async status(client: AuthenticatedClient, txId: string): Promise<TransactionStatusView> {
    const status = await this.ledger.transactionStatus(client, txId, this.waitMs);
    if (status.committed) {
      return {
        txId,
        status: 'COMMITTED',
        valid: status.successful,
        validationCode: status.validationCode,
        blockNumber: Number(status.blockNumber),
      };
    }
    const known = await this.submitted.find(txId);
    if (!known)
      throw new ProblemException(
        'TRANSACTION_NOT_FOUND',
        `no committed transaction ${txId} is known to the ledger`,
      );
    return {
      txId,
      status: 'PENDING',
      transaction: known.transaction,
      submittedAt: new Date(known.submittedAt).toISOString(),
    };
  }
}
