import { INCOTERMS, TRANSIENT_TERMS_KEY, type Incoterm } from '../constants';
import { WaybillError } from './errors';
import { RE, expectOneOf, expectOnlyFields, parseJsonObject } from './validation';

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

/** What a party puts in the transient map (`terms`), as JSON. */
export interface SaleTermsInput {
  readonly price: string;
  readonly currency: string;
  readonly incoterms: Incoterm;
  readonly nonce: string;
}

/**
 * Parses the transient terms of one party.
 *
 * @throws `INVALID_ARGUMENT` (the message never echoes values: they are confidential).
 */
export function parseSaleTermsInput(bytes: Uint8Array | undefined): SaleTermsInput {
  if (bytes === undefined || bytes.length === 0) {
    throw WaybillError.invalidArgument(`transient map must carry '${TRANSIENT_TERMS_KEY}' (JSON SaleTermsInput)`);
  }
  const obj = parseJsonObject(Buffer.from(bytes).toString('utf8'), `transient '${TRANSIENT_TERMS_KEY}'`);
  const path = 'terms';
  expectOnlyFields(obj, ['price', 'currency', 'incoterms', 'nonce'], path); // INPUT_FIELDS.SaleTermsInput
  const price = obj['price'];
  if (typeof price !== 'string' || !RE.PRICE.test(price)) {
    throw WaybillError.invalidArgument(`${path}.price must be a decimal string matching ${RE.PRICE.source}`);
  }
  const nonce = obj['nonce'];
  if (typeof nonce !== 'string' || !RE.TERMS_NONCE.test(nonce)) {
    throw WaybillError.invalidArgument(`${path}.nonce must be 32..128 lowercase hex characters (random, shared by both parties)`);
  }
  const currency = obj['currency'];
  if (typeof currency !== 'string' || !RE.CURRENCY.test(currency)) {
    throw WaybillError.invalidArgument(`${path}.currency must be an ISO 4217 code (3 capital letters)`);
  }
  return {
    price: normalisePrice(price),
    currency,
    incoterms: expectOneOf(obj['incoterms'], `${path}.incoterms`, INCOTERMS),
    nonce,
  };
}

/** Canonical price text: trailing fractional zeros and a bare decimal point removed. */
export function normalisePrice(price: string): string {
  return price.includes('.') ? price.replace(/0+$/, '').replace(/\.$/, '') : price;
}
