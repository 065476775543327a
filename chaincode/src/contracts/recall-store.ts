import type { ChaincodeStub } from 'fabric-shim-api';
import { ERROR_CODES } from '../constants';
import { canonicalBytes } from '../domain/canonical-json';
import { WaybillError } from '../domain/errors';
import type { RecallRecord } from '../domain/recall';
import { recallKey } from './ledger-keys';

/** Recall records (progress of a recall across transactions). */
export class RecallStore {
  readonly #stub: ChaincodeStub;

  constructor(stub: ChaincodeStub) {
    this.#stub = stub;
  }

  /**
   * The recall record.
   *
   * @throws `RECALL_NOT_FOUND`, `INTERNAL` (not a recall record).
   */
  async get(recallId: string): Promise<RecallRecord> {
    const bytes = await this.#stub.getState(recallKey(this.#stub, recallId));
    if (bytes === undefined || bytes === null || bytes.length === 0) {
      throw new WaybillError(ERROR_CODES.RECALL_NOT_FOUND, `recall '${recallId}' does not exist`);
    }
    let record: Partial<RecallRecord> | null = null;
    try {
      record = JSON.parse(Buffer.from(bytes).toString('utf8')) as Partial<RecallRecord> | null;
    } catch {
      // reported below
    }
    if (record === null || typeof record !== 'object' || record.docType !== 'waybill.recall') {
      throw WaybillError.internal(`recall '${recallId}' is not a recall record`);
    }
    return record as RecallRecord;
  }

  /** Writes the record. */
  async put(record: RecallRecord): Promise<void> {
    await this.#stub.putState(recallKey(this.#stub, record.recallId), canonicalBytes(record));
  }
}
