import type { Incoterm } from '../constants';

/**
 * Commercial terms of a sale as stored (canonical, sorted-key JSON) in each party's implicit
 * organisation collection. Both parties must store byte-identical terms; the chaincode compares
 * the collections' hashes, never the values.
 */
export interface SaleTerms {
  readonly assetId: string;
  readonly saleId: string;
  readonly seller: string;
  readonly buyer: string;
  /** Decimal string, normalised (no leading zeros, no trailing fractional zeros). */
  readonly price: string;
  /** ISO 4217 code. */
  readonly currency: string;
  readonly incoterms: Incoterm;
  /** Random hex both parties share off-chain, so that the public hash cannot be brute-forced. */
  readonly nonce: string;
}

/** Which side of a sale an organisation is on. */
export type SaleSide = 'seller' | 'buyer';

/** Answer of `agreeSaleTerms`. */
export interface TermsReceipt {
  readonly assetId: string;
  readonly saleId: string;
  readonly org: string;
  readonly side: SaleSide;
  /** Hex SHA-256 of the stored terms (the same hash every peer holds). */
  readonly termsHash: string;
}
