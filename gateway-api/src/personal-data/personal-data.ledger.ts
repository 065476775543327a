import type { AuthenticatedClient } from '../common/client';
import type { PersonalDataCategory } from './categories';

/** A personal-data reference as the ledger holds it. */
export interface LedgerRef {
  readonly ref: string;
  /** Null once erased. */
  readonly commitment: string | null;
  readonly category: string;
  readonly controllerOrg: string;
  readonly erasedAt: string | null;
}

/** A committed ledger write. */
export interface LedgerReceipt {
  readonly txId: string;
  readonly blockNumber: number;
}

/**
 * What the personal-data service needs from the ledger (the asset's `personalDataRefs`). The
 * application implements it with the assets service; unit tests with an in-memory fake.
 * Ledger failures are thrown as they come (ChaincodeError with the chaincode's code, …).
 */
export interface PersonalDataLedger {
  /** `upsertPersonalDataRef`: adds or rectifies a reference; waits for the commit. */
  upsertRef(
    client: AuthenticatedClient,
    assetId: string,
    ref: { readonly ref: string; readonly commitment: string; readonly category: PersonalDataCategory },
  ): Promise<LedgerReceipt>;
  /** `erasePersonalDataRef`; waits for the commit. */
  eraseRef(client: AuthenticatedClient, assetId: string, ref: string): Promise<LedgerReceipt>;
  /** The commit status of a transaction, waiting at most `waitMs` for its commit. */
  transactionStatus(
    client: AuthenticatedClient,
    txId: string,
    waitMs: number,
  ): Promise<{ readonly committed: false } | { readonly committed: true; readonly successful: boolean }>;
  /** The reference on the asset, or undefined when the asset has none such. */
  findRef(client: AuthenticatedClient, assetId: string, ref: string): Promise<LedgerRef | undefined>;
}
