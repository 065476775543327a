import { createHash } from 'crypto';
import { describePolicy } from '../contracts/endorsement';
import type {
  ChaincodeProposal,
  ChaincodeResponse,
  ChaincodeStub,
  Iterators,
  SerializedIdentity,
  SplitCompositekey,
  StateQueryResponse,
  Timestamp,
} from 'fabric-shim-api';

/**
 * An in-memory fake of Fabric's chaincode stub and of the ledger behind it, for unit tests.
 *
 * It keeps Fabric's semantics where they matter to a contract:
 * - a transaction reads committed state only (no read-your-own-writes), and its writes are
 *   applied atomically by {@link InMemoryLedger.commit}, or discarded;
 * - an empty value written with `putState` is a delete;
 * - keys iterate in byte order; partial composite key queries paginate with Fabric's LevelDB
 *   bookmark (the next key, empty when exhausted);
 * - history is kept per key (returned newest first) with transaction id, timestamp and isDelete;
 * - private data lives per collection with SHA-256 hashes readable anywhere, values readable only
 *   on a member peer for implicit organisation collections, and purge;
 * - key-level endorsement policies (validation parameters), from which the organisations whose
 *   peers must endorse a transaction are derived, like the validator does at commit.
 */

const COMPOSITE_NS = '\u0000';
const MIN_RUNE = '\u0000';
const MAX_RUNE = '\u{10ffff}';
const IMPLICIT_PREFIX = '_implicit_org_';

/** A committed chaincode event. */
export interface RecordedEvent {
  readonly name: string;
  readonly payload: Record<string, unknown>;
  readonly txId: string;
}

/** Options of one simulated transaction. */
export interface TxOptions {
  /** MSP id of the peer executing the chaincode (`null`: none, e.g. seeding state). */
  readonly peerMspId: string | null;
  /**
   * Whether the chaincode process knows its peer's MSP id (`CORE_PEER_LOCALMSPID`, returned by
   * `getMspID`); false models one chaincode server shared by several organisations' peers.
   */
  readonly localMspIdKnown?: boolean;
  /** Transient map entries. */
  readonly transient?: Readonly<Record<string, string | Uint8Array>>;
  /** Function name and string arguments (for `getFunctionAndParameters`). */
  readonly fcn?: string;
  readonly args?: readonly string[];
  /** Serialized creator (MSP id and PEM certificate), for fabric-shim's own ClientIdentity. */
  readonly creator?: SerializedIdentity;
}

/** Raised by {@link InMemoryLedger.commit} when the endorsers do not satisfy the policies. */
export class EndorsementPolicyFailure extends Error {
  constructor(
    readonly required: readonly string[],
    readonly endorsers: readonly string[],
  ) {
    super(`ENDORSEMENT_POLICY_FAILURE: requires peers of ${required.join(', ')}; endorsed by ${endorsers.join(', ')}`);
  }
}

interface KeyVersion {
  readonly txId: string;
  readonly timestamp: Timestamp;
  readonly isDelete: boolean;
  readonly value: Buffer;
}

/** Compares strings by UTF-8 byte order (LevelDB order), not UTF-16 code units. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function validateAttribute(attr: string): void {
  if (typeof attr !== 'string' || attr.length === 0) {
    throw new Error('object type or attribute not a non-zero length string');
  }
  if (attr.includes(MIN_RUNE) || attr.includes(MAX_RUNE)) {
    throw new Error(`input contains unicode ${MIN_RUNE} or ${MAX_RUNE}, which are reserved for composite keys`);
  }
}

/** Builds a composite key exactly as fabric-shim does. */
export function createCompositeKey(objectType: string, attributes: readonly string[]): string {
  validateAttribute(objectType);
  let key = COMPOSITE_NS + objectType + MIN_RUNE;
  for (const attribute of attributes) {
    validateAttribute(attribute);
    key += attribute + MIN_RUNE;
  }
  return key;
}

/** Splits a composite key exactly as fabric-shim does. */
export function splitCompositeKey(compositeKey: string): SplitCompositekey {
  const result: { objectType: string; attributes: string[] } = { objectType: '', attributes: [] };
  if (compositeKey.length > 1 && compositeKey.startsWith(COMPOSITE_NS)) {
    const parts = compositeKey.substring(1).split(MIN_RUNE);
    result.objectType = parts[0] ?? '';
    parts.pop();
    if (parts.length > 1) {
      parts.shift();
      result.attributes = parts;
    }
  }
  return result;
}

function toTimestamp(millis: number): Timestamp {
  const seconds = Math.floor(millis / 1000);
  // The shim returns a Long; the fake gives the parts of Long the contract may use, without
  // depending on the 'long' package directly.
  const longLike = { low: seconds, high: 0, unsigned: true, toNumber: () => seconds, toString: () => String(seconds) };
  return { seconds: longLike as unknown as Timestamp['seconds'], nanos: (millis % 1000) * 1_000_000 };
}

type Iter<T> = Iterators.CommonIterator<T>;

function iteratorOf<T>(items: readonly T[], onClose: () => void = () => undefined): Iter<T> {
  let index = 0;
  return {
    next: () => {
      const value = items[index];
      index += 1;
      return Promise.resolve(value === undefined ? ({ done: true } as Iterators.NextResult<T>) : { value, done: false });
    },
    close: () => {
      onClose();
      return Promise.resolve();
    },
  };
}

function asyncIterable<R, T>(promise: Promise<R>, unwrap: (r: R) => Iter<T>): Promise<R> & AsyncIterable<T> {
  const result = promise as Promise<R> & AsyncIterable<T>;
  result[Symbol.asyncIterator] = () => {
    let iterator: Iter<T> | undefined;
    return {
      next: async () => {
        iterator ??= unwrap(await promise);
        const next = await iterator.next();
        if (next.done) {
          await iterator.close();
          return { done: true, value: undefined };
        }
        return { done: false, value: next.value };
      },
    };
  };
  return result;
}

/** Committed state of the fake ledger, shared by the transactions it simulates. */
export class InMemoryLedger {
  readonly state = new Map<string, Buffer>();
  readonly validationParameters = new Map<string, Uint8Array>();
  readonly history = new Map<string, KeyVersion[]>();
  readonly privateData = new Map<string, Map<string, Buffer>>();
  /** `collection/key` of every purge, in order. */
  readonly purges: string[] = [];
  readonly events: RecordedEvent[] = [];
  /**
   * The chaincode-level policy as the validator applies it (keys without a key-level policy, and
   * transactions that write nothing): `n` peers of `orgs`. Unset: not checked (most unit tests
   * look at key-level policies only).
   */
  chaincodePolicy: { readonly orgs: readonly string[]; readonly n: number } | undefined;
  #clock: number;
  #txCounter = 0;

  /** @param startMillis - timestamp of the first transaction; each next one is a second later. */
  constructor(startMillis = Date.UTC(2025, 0, 15, 9, 0, 0)) {
    this.#clock = startMillis;
  }

  /** Starts a transaction (a fresh stub with its own write set). */
  newTransaction(options: TxOptions): InMemoryStub {
    this.#txCounter += 1;
    this.#clock += 1000;
    const txId = createHash('sha256').update(`tx-${this.#txCounter}`).digest('hex');
    return new InMemoryStub(this, txId, this.#clock, options);
  }

  /**
   * Applies the transaction's writes, after checking that `endorsers` (MSP ids, when given)
   * include every organisation the key-level and implicit-collection policies require.
   *
   * @throws EndorsementPolicyFailure without applying anything.
   */
  commit(stub: InMemoryStub, endorsers?: readonly string[]): void {
    const required = stub.requiredEndorsers();
    if (endorsers !== undefined && !required.every((org) => endorsers.includes(org))) {
      throw new EndorsementPolicyFailure(required, endorsers);
    }
    const unmet = endorsers === undefined ? undefined : stub.unmetPolicy(endorsers);
    if (endorsers !== undefined && unmet !== undefined) {
      throw new EndorsementPolicyFailure([unmet], endorsers);
    }
    const timestamp = stub.getTxTimestamp();
    for (const [key, value] of stub.writes) {
      const versions = this.history.get(key) ?? [];
      if (value === null) {
        this.state.delete(key);
        versions.push({ txId: stub.getTxID(), timestamp, isDelete: true, value: Buffer.alloc(0) });
      } else {
        this.state.set(key, value);
        versions.push({ txId: stub.getTxID(), timestamp, isDelete: false, value });
      }
      this.history.set(key, versions);
    }
    for (const [key, policy] of stub.validationWrites) {
      this.validationParameters.set(key, policy);
    }
    for (const [collection, writes] of stub.privateWrites) {
      const data = this.privateData.get(collection) ?? new Map<string, Buffer>();
      for (const [key, value] of writes) {
        if (value === null) {
          data.delete(key);
        } else {
          data.set(key, value);
        }
      }
      this.privateData.set(collection, data);
    }
    for (const purge of stub.privatePurges) {
      const [collection = '', key = ''] = purge.split('/');
      this.privateData.get(collection)?.delete(key);
      this.purges.push(purge);
    }
    const last = stub.events[stub.events.length - 1];
    if (last !== undefined) {
      // Fabric keeps only the last event set by a transaction.
      this.events.push({ name: last.name, payload: JSON.parse(last.payload.toString('utf8')) as Record<string, unknown>, txId: stub.getTxID() });
    }
  }

  /**
   * Organisations the committed key-level policy of `key` requires, every one of them (empty:
   * none, or a policy needing only some of them, see {@link policyOf}).
   */
  policyOrgs(key: string): string[] {
    const policy = this.policyOf(key);
    return policy === undefined || policy.n < policy.orgs.length ? [] : [...policy.orgs];
  }

  /** The committed key-level policy of `key`: `n` peers of `orgs`. */
  policyOf(key: string): { readonly orgs: readonly string[]; readonly n: number } | undefined {
    const policy = this.validationParameters.get(key);
    return policy === undefined ? undefined : describePolicy(policy);
  }

  /** Committed private value, for assertions. */
  privateValue(collection: string, key: string): Buffer | undefined {
    return this.privateData.get(collection)?.get(key);
  }
}

/** The fake stub of one transaction. Use through {@link InMemoryLedger.newTransaction}. */
export class InMemoryStub implements ChaincodeStub {
  /** Public writes of this transaction (`null` = delete), in write order. */
  readonly writes = new Map<string, Buffer | null>();
  readonly validationWrites = new Map<string, Uint8Array>();
  readonly privateWrites = new Map<string, Map<string, Buffer | null>>();
  readonly privatePurges = new Set<string>();
  /** Every `setEvent` call, in order (Fabric keeps the last one). */
  readonly events: { name: string; payload: Buffer }[] = [];
  /** Number of paginated queries run (Fabric forbids them in update transactions). */
  paginatedQueries = 0;
  readonly #ledger: InMemoryLedger;
  readonly #txId: string;
  readonly #millis: number;
  readonly #options: TxOptions;
  readonly #transient: Map<string, Uint8Array>;

  constructor(ledger: InMemoryLedger, txId: string, millis: number, options: TxOptions) {
    this.#ledger = ledger;
    this.#txId = txId;
    this.#millis = millis;
    this.#options = options;
    this.#transient = new Map(
      Object.entries(options.transient ?? {}).map(([k, v]) => [k, typeof v === 'string' ? Buffer.from(v, 'utf8') : v]),
    );
  }

  /**
   * Organisations whose peers must endorse this transaction for it to be valid: those of the
   * committed key-level policy of every key it writes or whose policy it changes, plus the owner
   * organisation of every implicit collection it writes or purges.
   */
  requiredEndorsers(): string[] {
    const orgs = new Set<string>();
    for (const key of new Set([...this.writes.keys(), ...this.validationWrites.keys()])) {
      this.#ledger.policyOrgs(key).forEach((o) => orgs.add(o));
    }
    const collections = [...this.privateWrites.keys(), ...[...this.privatePurges].map((p) => p.split('/')[0] ?? '')];
    for (const collection of collections) {
      if (collection.startsWith(IMPLICIT_PREFIX)) {
        orgs.add(collection.slice(IMPLICIT_PREFIX.length));
      }
    }
    return [...orgs].sort();
  }

  /**
   * The first policy that `endorsers` do not satisfy, described; `undefined` when all are met.
   * Checks "n of" key-level policies and, when the ledger has one, the chaincode-level policy
   * for keys without a key-level policy and for a transaction that writes nothing at all.
   */
  unmetPolicy(endorsers: readonly string[]): string | undefined {
    const meets = (p: { readonly orgs: readonly string[]; readonly n: number }): boolean =>
      p.orgs.filter((o) => endorsers.includes(o)).length >= p.n;
    const describe = (p: { readonly orgs: readonly string[]; readonly n: number }): string =>
      `${p.n} of ${p.orgs.join(', ')}`;
    const cc = this.#ledger.chaincodePolicy;
    const keys = new Set([...this.writes.keys(), ...this.validationWrites.keys()]);
    for (const key of keys) {
      const policy = this.#ledger.policyOf(key) ?? cc;
      if (policy !== undefined && !meets(policy)) return describe(policy);
    }
    const nonImplicit = [...this.privateWrites.keys()].filter((c) => !c.startsWith(IMPLICIT_PREFIX));
    if (cc !== undefined && nonImplicit.length > 0 && !meets(cc)) return describe(cc);
    const wroteNothing = keys.size === 0 && this.privateWrites.size === 0 && this.privatePurges.size === 0;
    if (cc !== undefined && wroteNothing && !meets(cc)) return describe(cc);
    return undefined;
  }

  // ------------------------------------------------------------------ identity and proposal

  getArgs(): string[] {
    return [this.#options.fcn ?? '', ...(this.#options.args ?? [])];
  }

  getStringArgs(): string[] {
    return this.getArgs();
  }

  getFunctionAndParameters(): { params: string[]; fcn: string } {
    return { fcn: this.#options.fcn ?? '', params: [...(this.#options.args ?? [])] };
  }

  getTxID(): string {
    return this.#txId;
  }

  getChannelID(): string {
    return 'supplychain';
  }

  getCreator(): SerializedIdentity {
    if (this.#options.creator === undefined) {
      throw new Error('no creator given to the in-memory stub; use a client identity or TxOptions.creator');
    }
    return this.#options.creator;
  }

  /** Function name and arguments as bytes (what fabric-shim's dispatcher reads). */
  getBufferArgs(): Buffer[] {
    return this.getArgs().map((arg) => Buffer.from(arg, 'utf8'));
  }

  getMspID(): string {
    if (this.#options.peerMspId === null || this.#options.localMspIdKnown === false) {
      throw new Error('CORE_PEER_LOCALMSPID is unset in chaincode process');
    }
    return this.#options.peerMspId;
  }

  getTransient(): Map<string, Uint8Array> {
    return this.#transient;
  }

  getSignedProposal(): ChaincodeProposal.SignedProposal {
    throw new Error('getSignedProposal is not supported by the in-memory stub');
  }

  getTxTimestamp(): Timestamp {
    return toTimestamp(this.#millis);
  }

  getDateTimestamp(): Date {
    return new Date(this.#millis);
  }

  getBinding(): string {
    return '';
  }

  // ------------------------------------------------------------------ public state

  getState(key: string): Promise<Uint8Array> {
    return Promise.resolve(this.#ledger.state.get(key) ?? Buffer.alloc(0));
  }

  putState(key: string, value: Uint8Array): Promise<void> {
    if (typeof key !== 'string' || key === '') {
      return Promise.reject(new Error('key must not be empty'));
    }
    this.writes.set(key, value.length === 0 ? null : Buffer.from(value));
    return Promise.resolve();
  }

  deleteState(key: string): Promise<void> {
    this.writes.set(key, null);
    return Promise.resolve();
  }

  setStateValidationParameter(key: string, ep: Uint8Array): Promise<void> {
    this.validationWrites.set(key, ep);
    return Promise.resolve();
  }

  getStateValidationParameter(key: string): Promise<Uint8Array> {
    return Promise.resolve(this.#ledger.validationParameters.get(key) ?? Buffer.alloc(0));
  }

  #range(startKey: string, endKey: string): Iterators.KV[] {
    return [...this.#ledger.state.keys()]
      .filter((k) => byteOrder(k, startKey) >= 0 && (endKey === '' || byteOrder(k, endKey) < 0))
      .sort(byteOrder)
      .map((key) => ({ namespace: 'waybill', key, value: this.#ledger.state.get(key) ?? Buffer.alloc(0) }));
  }

  getStateByRange(startKey: string, endKey: string): Promise<Iterators.StateQueryIterator> & AsyncIterable<Iterators.KV> {
    return asyncIterable(Promise.resolve(iteratorOf(this.#range(startKey, endKey))), (it) => it);
  }

  #paginate(
    startKey: string,
    endKey: string,
    pageSize: number,
    bookmark: string | undefined,
  ): Promise<StateQueryResponse<Iterators.StateQueryIterator>> & AsyncIterable<Iterators.KV> {
    this.paginatedQueries += 1;
    const from = bookmark !== undefined && bookmark !== '' ? bookmark : startKey;
    const all = this.#range(from, endKey);
    const page = all.slice(0, pageSize);
    const next = all[pageSize];
    // As fabric-shim does: an empty page's metadata (all default values) is empty on the wire, and
    // the shim then leaves `metadata` out altogether.
    const response = {
      iterator: iteratorOf(page),
      ...(page.length === 0 && next === undefined
        ? {}
        : { metadata: { fetchedRecordsCount: page.length, bookmark: next === undefined ? '' : next.key } }),
    } as StateQueryResponse<Iterators.StateQueryIterator>;
    return asyncIterable(Promise.resolve(response), (r) => r.iterator);
  }

  getStateByRangeWithPagination(
    startKey: string,
    endKey: string,
    pageSize: number,
    bookmark?: string,
  ): Promise<StateQueryResponse<Iterators.StateQueryIterator>> & AsyncIterable<Iterators.KV> {
    return this.#paginate(startKey, endKey, pageSize, bookmark);
  }

  getStateByPartialCompositeKey(
    objectType: string,
    attributes: string[],
  ): Promise<Iterators.StateQueryIterator> & AsyncIterable<Iterators.KV> {
    const prefix = createCompositeKey(objectType, attributes);
    return this.getStateByRange(prefix, prefix + MAX_RUNE);
  }

  getStateByPartialCompositeKeyWithPagination(
    objectType: string,
    attributes: string[],
    pageSize: number,
    bookmark?: string,
  ): Promise<StateQueryResponse<Iterators.StateQueryIterator>> & AsyncIterable<Iterators.KV> {
    const prefix = createCompositeKey(objectType, attributes);
    return this.#paginate(prefix, prefix + MAX_RUNE, pageSize, bookmark);
  }

  getQueryResult(): Promise<Iterators.StateQueryIterator> & AsyncIterable<Iterators.KV> {
    return asyncIterable(Promise.reject(new Error('ExecuteQuery not supported for leveldb')), (it: Iter<Iterators.KV>) => it);
  }

  getQueryResultWithPagination(): Promise<StateQueryResponse<Iterators.StateQueryIterator>> & AsyncIterable<Iterators.KV> {
    return asyncIterable(
      Promise.reject(new Error('ExecuteQuery not supported for leveldb')),
      (r: StateQueryResponse<Iterators.StateQueryIterator>) => r.iterator,
    );
  }

  getHistoryForKey(key: string): Promise<Iterators.HistoryQueryIterator> & AsyncIterable<Iterators.KeyModification> {
    const versions = [...(this.#ledger.history.get(key) ?? [])].reverse();
    const mods: Iterators.KeyModification[] = versions.map((v) => ({
      txId: v.txId,
      value: v.value,
      isDelete: v.isDelete,
      // history entries carry a plain protobuf object (seconds as a number)
      timestamp: { seconds: Number(v.timestamp.seconds.toString()), nanos: v.timestamp.nanos } as unknown as Timestamp,
    }));
    return asyncIterable(Promise.resolve(iteratorOf(mods)), (it) => it);
  }

  invokeChaincode(): Promise<ChaincodeResponse> {
    return Promise.reject(new Error('invokeChaincode is not supported by the in-memory stub'));
  }

  setEvent(name: string, payload: Uint8Array): void {
    if (typeof name !== 'string' || name === '') {
      throw new Error('Event name must be a non-empty string');
    }
    this.events.push({ name, payload: Buffer.from(payload) });
  }

  createCompositeKey(objectType: string, attributes: string[]): string {
    return createCompositeKey(objectType, attributes);
  }

  splitCompositeKey(compositeKey: string): SplitCompositekey {
    return splitCompositeKey(compositeKey);
  }

  // ------------------------------------------------------------------ private data

  #requireMember(collection: string): void {
    if (collection.startsWith(IMPLICIT_PREFIX)) {
      const org = collection.slice(IMPLICIT_PREFIX.length);
      if (this.#options.peerMspId !== org) {
        throw new Error(`peer of ${this.#options.peerMspId ?? 'unknown org'} is not a member of collection ${collection}`);
      }
    }
  }

  getPrivateData(collection: string, key: string): Promise<Uint8Array> {
    return new Promise((resolve) => {
      this.#requireMember(collection);
      resolve(this.#ledger.privateValue(collection, key) ?? Buffer.alloc(0));
    });
  }

  getPrivateDataHash(collection: string, key: string): Promise<Uint8Array> {
    const value = this.#ledger.privateValue(collection, key);
    return Promise.resolve(value === undefined ? Buffer.alloc(0) : createHash('sha256').update(value).digest());
  }

  putPrivateData(collection: string, key: string, value: Uint8Array): Promise<void> {
    const writes = this.privateWrites.get(collection) ?? new Map<string, Buffer | null>();
    writes.set(key, value.length === 0 ? null : Buffer.from(value));
    this.privateWrites.set(collection, writes);
    return Promise.resolve();
  }

  deletePrivateData(collection: string, key: string): Promise<void> {
    const writes = this.privateWrites.get(collection) ?? new Map<string, Buffer | null>();
    writes.set(key, null);
    this.privateWrites.set(collection, writes);
    return Promise.resolve();
  }

  purgePrivateData(collection: string, key: string): Promise<void> {
    this.privatePurges.add(`${collection}/${key}`);
    return Promise.resolve();
  }

  setPrivateDataValidationParameter(): Promise<void> {
    return Promise.reject(new Error('private data validation parameters are not supported by the in-memory stub'));
  }

  getPrivateDataValidationParameter(): Promise<Uint8Array> {
    return Promise.reject(new Error('private data validation parameters are not supported by the in-memory stub'));
  }

  getPrivateDataByRange(): Promise<Iterators.StateQueryIterator> & AsyncIterable<Iterators.KV> {
    return asyncIterable(Promise.reject(new Error('not supported by the in-memory stub')), (it: Iter<Iterators.KV>) => it);
  }

  getPrivateDataByPartialCompositeKey(): Promise<Iterators.StateQueryIterator> & AsyncIterable<Iterators.KV> {
    return asyncIterable(Promise.reject(new Error('not supported by the in-memory stub')), (it: Iter<Iterators.KV>) => it);
  }

  getPrivateDataQueryResult(): Promise<Iterators.StateQueryIterator> & AsyncIterable<Iterators.KV> {
    return asyncIterable(Promise.reject(new Error('not supported by the in-memory stub')), (it: Iter<Iterators.KV>) => it);
  }
}
