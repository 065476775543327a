import type { Database } from '../database/database';
import type { SubmittedTransactionLog } from './ledger.service';

/** Transactions this gateway submitted with `Prefer: respond-async`, so their status can say "pending". */
export class SubmittedTransactionsRepository implements SubmittedTransactionLog {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  async record(txId: string, clientKeyId: string, transaction: string): Promise<void> {
    await this.db.execute(
      `INSERT INTO submitted_transactions (tx_id, client_id, transaction_name, submitted_at)
       VALUES ($1, $2, $3, $4) ON CONFLICT (tx_id) DO NOTHING`,
      [txId, clientKeyId, transaction, this.now()],
    );
  }

  async find(txId: string): Promise<{ transaction: string; submittedAt: number } | undefined> {
    const rows = await this.db.query<{ transaction_name: string; submitted_at: number }>(
      'SELECT transaction_name, submitted_at FROM submitted_transactions WHERE tx_id = $1',
      [txId],
    );
    const row = rows[0];
    return row ? { transaction: row.transaction_name, submittedAt: Number(row.submitted_at) } : undefined;
  }

  /** Forgets records older than `maxAgeMs` (their outcome is on the ledger for good). */
  purgeOlderThan(maxAgeMs: number): Promise<number> {
    return this.db.execute('DELETE FROM submitted_transactions WHERE submitted_at < $1', [
      this.now() - maxAgeMs,
    ]);
  }
}
