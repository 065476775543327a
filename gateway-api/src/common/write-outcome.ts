/** A chaincode answer kept as its JSON bytes; `T` documents what they hold. */
export type JsonBytes<T> = Buffer & { readonly __json?: T };

/** `sync`: wait for the commit (default). `async`: return once the orderer accepted the transaction. */
export type WriteMode = 'sync' | 'async';

/** Outcome of a write. */
export type WriteOutcome<T> =
  | {
      readonly mode: 'sync';
      readonly txId: string;
      readonly blockNumber: number;
      readonly attempts: number;
      readonly result: T;
    }
  | { readonly mode: 'async'; readonly txId: string; readonly attempts: 1 };
