import type { ChaincodeStub } from 'fabric-shim-api';
import type { EventName } from '../constants';
import { canonicalBytes } from '../domain/canonical-json';
import { WaybillError } from '../domain/errors';

/** Payload fields every event carries. */
export interface EventEnvelope {
  readonly txId: string;
  readonly timestamp: string;
  /** MSP id of the submitting organisation. */
  readonly actorOrg: string;
  /** Role of the submitting identity. */
  readonly actorRole: string;
}

/**
 * Emits the transaction's single chaincode event (Fabric keeps only the last `setEvent` of a
 * transaction, so a second call is a programming error, not something to silently lose).
 */
export class EventSink {
  readonly #stub: ChaincodeStub;
  #emitted: EventName | undefined;

  constructor(stub: ChaincodeStub) {
    this.#stub = stub;
  }

  /** Emits `name` with `payload` serialised as canonical JSON. */
  emit(name: EventName, envelope: EventEnvelope, payload: Readonly<Record<string, unknown>>): void {
    if (this.#emitted !== undefined) {
      throw WaybillError.internal(`event ${name} after ${this.#emitted}: one event per transaction`);
    }
    this.#emitted = name;
    this.#stub.setEvent(name, canonicalBytes({ ...payload, ...envelope, event: name }));
  }

  /** Name of the event emitted so far, if any. */
  get emitted(): EventName | undefined {
    return this.#emitted;
  }
}
