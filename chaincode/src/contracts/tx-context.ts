import type { Context } from 'fabric-contract-api';

/** Per-transaction facade over Fabric's context (placeholder, implemented next). */
export class TxContext {
  private constructor(readonly ctx: Context) {}

  /** Wraps Fabric's context for one transaction. */
  static of(ctx: Context): TxContext {
    return new TxContext(ctx);
  }
}
