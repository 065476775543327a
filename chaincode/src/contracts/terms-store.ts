import { createHash } from 'crypto';
import type { ChaincodeStub } from 'fabric-shim-api';
import { IMPLICIT_COLLECTION_PREFIX } from '../constants';
import { canonicalBytes } from '../domain/canonical-json';
import { WaybillError } from '../domain/errors';
import type { SaleTerms } from '../domain/sale-terms';
import { canPurgePrivateData } from './fabric-line';
import { termsKey } from './ledger-keys';

/**
 * The stub of a 2.5 shim: the 2.2 line's has no `purgePrivateData` (and is never asked to purge,
 * see {@link canPurgePrivateData}); named here for the build of chaincode/fabric-2.2.
 */
type PurgingStub = ChaincodeStub & { purgePrivateData(collection: string, key: string): Promise<void> };

/** Name of an organisation's implicit private data collection. */
export function implicitCollection(mspId: string): string {
  return `${IMPLICIT_COLLECTION_PREFIX}${mspId}`;
}

/** Hex SHA-256 of bytes (the hash Fabric keeps for private data). */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Sale terms in the parties' implicit organisation collections, keyed by asset and sale.
 * Values are canonical JSON so that two parties who agree produce byte-identical records, whose
 * hashes every peer can compare without seeing the values.
 */
export class TermsStore {
  readonly #stub: ChaincodeStub;

  constructor(stub: ChaincodeStub) {
    this.#stub = stub;
  }

  /** Stores `terms` in `org`'s collection; returns the hash of the stored bytes. */
  async put(org: string, terms: SaleTerms): Promise<string> {
    const bytes = canonicalBytes(terms);
    await this.#stub.putPrivateData(implicitCollection(org), termsKey(this.#stub, terms.assetId, terms.saleId), bytes);
    return sha256Hex(bytes);
  }

  /** Hash of the terms `org` stored, hex; `undefined` when it stored none. */
  async hash(org: string, assetId: string, saleId: string): Promise<string | undefined> {
    const hash = await this.#stub.getPrivateDataHash(implicitCollection(org), termsKey(this.#stub, assetId, saleId));
    return hash === undefined || hash === null || hash.length === 0 ? undefined : Buffer.from(hash).toString('hex');
  }

  /** The terms `org` stored (readable only on a peer of `org`). */
  async read(org: string, assetId: string, saleId: string): Promise<SaleTerms | undefined> {
    const bytes = await this.#stub.getPrivateData(implicitCollection(org), termsKey(this.#stub, assetId, saleId));
    if (bytes === undefined || bytes === null || bytes.length === 0) {
      return undefined;
    }
    try {
      return JSON.parse(Buffer.from(bytes).toString('utf8')) as SaleTerms;
    } catch {
      throw WaybillError.internal(`stored terms of sale '${saleId}' are not valid JSON`);
    }
  }

  /**
   * Purges `org`'s terms (current state and private history), if it stored any. On the Fabric 2.2
   * line (no purge) they are deleted: see {@link canPurgePrivateData}.
   */
  async purgeIfPresent(org: string, assetId: string, saleId: string): Promise<boolean> {
    if ((await this.hash(org, assetId, saleId)) === undefined) {
      return false;
    }
    const key = termsKey(this.#stub, assetId, saleId);
    if (canPurgePrivateData()) await (this.#stub as PurgingStub).purgePrivateData(implicitCollection(org), key);
    else await this.#stub.deletePrivateData(implicitCollection(org), key);
    return true;
  }
}
