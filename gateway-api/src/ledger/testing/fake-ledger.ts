import { randomBytes } from 'node:crypto';
import { attestingWrites } from '../../testing/attesting-writes';
import { announce } from '../announce';
import {
  ChaincodeError,
  type LedgerError,
  LedgerUnavailableError,
  TransactionConflictError,
  TransactionInvalidError,
} from '../ledger.errors';
import type {
  EvaluateRequest,
  EventStart,
  LedgerBlock,
  LedgerCallKind,
  LedgerChaincodeEvent,
  LedgerOrderingService,
  LedgerPeerState,
  LedgerPort,
  NetworkIdentity,
  LedgerStream,
  SubmitRequest,
  SubmitResult,
  SubmittedTransaction,
  TransactionStatus,
} from '../ledger.port';

/** One call the fake received. */
export interface FakeCall {
  readonly kind: 'evaluate' | 'submit' | 'submitAsync';
  readonly txId: string;
  readonly identity: string;
  readonly transaction: string;
  readonly args: readonly string[];
  readonly transient?: Readonly<Record<string, string | Uint8Array>>;
  readonly endorsingOrganizations?: readonly string[];
}

/** Context given to a handler: the call, and a way to emit the transaction's chaincode event. */
export interface FakeContext extends FakeCall {
  emit(name: string, payload: unknown): void;
}

/**
 * Plays the chaincode for one transaction name. Its return value is the JSON answer; it throws a
 * {@link LedgerError} (see {@link chaincodeError}) to fail. Submit handlers run at "endorsement":
 * a failure there leaves the ledger unchanged.
 */
export type FakeHandler = (call: FakeContext) => unknown;

type Failure = LedgerError | ((call: FakeCall) => LedgerError);

/** A chaincode error as the adapter would report it. */
export function chaincodeError(
  code: string,
  message: string,
  stage: LedgerCallKind = 'endorse',
  txId?: string,
): ChaincodeError {
  return new ChaincodeError({
    stage,
    txId,
    message: `chaincode response 500, ${code}: ${message}`,
    code,
    chaincodeMessage: message,
  });
}

/**
 * In-memory {@link LedgerPort} for unit and controller tests (and for running the API without a
 * network). Transactions are answered by registered handlers; every submit becomes a one-transaction
 * block, so chaincode events and blocks can be streamed and replayed; failures are scripted per
 * transaction name with {@link failNext}.
 */
export class FakeLedger implements LedgerPort {
  readonly adapter = 'fake';
  /** Every call, in order (failed ones included). */
  readonly calls: FakeCall[] = [];
  /** When true every call fails as if no peer answered. */
  unavailable = false;
  /**
   * The organisation's peers as {@link peerStates} reports them; the height of a reachable one
   * is the fake's chain height.
   */
  peers: { name: string; endpoint: string; reachable: boolean }[] = [
    { name: 'peer0.manufacturer', endpoint: 'localhost:7051', reachable: true },
  ];
  /** What {@link orderingService} answers. */
  ordering: LedgerOrderingService = {
    consensusType: 'etcdraft',
    orderers: [{ mspId: 'OrdererMSP', endpoint: 'localhost:7050' }],
    consenters: ['localhost:7050'],
  };
  /** The network the fake is (set another to play a migration's target). */
  network: NetworkIdentity = { channel: 'supplychain', genesisBlockHash: '00'.repeat(32) };

  readonly #handlers = new Map<string, FakeHandler>();
  readonly #failures = new Map<string, Failure[]>();
  readonly #blocks: LedgerBlock[] = [];
  readonly #statuses = new Map<string, TransactionStatus>();
  readonly #pending = new Map<string, { call: FakeCall; events: { name: string; payload: Uint8Array }[] }>();
  readonly #listeners = new Set<() => void>();
  #closed = false;

  constructor(private readonly mspId = 'ManufacturerMSP') {}

  /** Registers the behaviour of a transaction. */
  handle(transaction: string, handler: FakeHandler): this {
    this.#handlers.set(transaction, handler);
    return this;
  }

  /** The next calls of `transaction` fail with these errors, in order, before handlers run again. */
  failNext(transaction: string, ...failures: Failure[]): this {
    this.#failures.set(transaction, [...(this.#failures.get(transaction) ?? []), ...failures]);
    return this;
  }

  /** The next `times` submits of `transaction` commit as MVCC_READ_CONFLICT. */
  conflictNext(transaction: string, times = 1): this {
    for (let i = 0; i < times; i++) {
      this.failNext(
        transaction,
        (call) =>
          new TransactionConflictError({
            stage: 'commitStatus',
            txId: call.txId,
            message: `transaction ${call.txId} committed as MVCC_READ_CONFLICT`,
            validationCode: 'MVCC_READ_CONFLICT',
          }),
      );
    }
    return this;
  }

  /** Calls of one transaction, for assertions. */
  callsOf(transaction: string): FakeCall[] {
    return this.calls.filter((c) => c.transaction === transaction);
  }

  /** Current block height. */
  get height(): number {
    return this.#blocks.length;
  }

  evaluate(request: EvaluateRequest): Promise<Uint8Array> {
    const call = this.#record('evaluate', request);
    return this.#run(call, 'evaluate', []).then(encode);
  }

  async submit(request: SubmitRequest): Promise<SubmitResult> {
    const call = this.#record('submit', request);
    const events: { name: string; payload: Uint8Array }[] = [];
    const result = encode(await this.#run(call, 'endorse', events, request));
    await announce(request, call.txId);
    const block = this.#commit(call, 'VALID', events);
    return { txId: call.txId, result, blockNumber: block, validationCode: 'VALID' };
  }

  async submitAsync(request: SubmitRequest): Promise<SubmittedTransaction> {
    const call = this.#record('submitAsync', request);
    const events: { name: string; payload: Uint8Array }[] = [];
    const result = encode(await this.#run(call, 'endorse', events, request));
    await announce(request, call.txId);
    this.#pending.set(call.txId, { call, events });
    return { txId: call.txId, result };
  }

  /** Commits every asynchronously submitted transaction (as VALID, or with `validationCode`). */
  commitPending(validationCode = 'VALID'): string[] {
    const ids = [...this.#pending.keys()];
    for (const [txId, { call, events }] of this.#pending) {
      this.#pending.delete(txId);
      this.#commit(call, validationCode, validationCode === 'VALID' ? events : []);
    }
    return ids;
  }

  getTransactionStatus(_identity: string, txId: string, _waitMs: number): Promise<TransactionStatus> {
    if (this.#closed || this.unavailable) return Promise.reject(this.#unavailable('commitStatus'));
    return Promise.resolve(this.#statuses.get(txId) ?? { txId, committed: false });
  }

  chaincodeEvents(_identity: string, start?: EventStart): Promise<LedgerStream<LedgerChaincodeEvent>> {
    if (this.#closed || this.unavailable) return Promise.reject(this.#unavailable('events'));
    let skipping = start?.afterTxId !== undefined;
    const events = this.#stream(start?.blockNumber, (block) =>
      block.transactions.flatMap((t) => {
        if (skipping && block.number === start?.blockNumber) {
          if (t.txId === start.afterTxId) skipping = false;
          return [];
        }
        return t.validationCode === 'VALID'
          ? t.chaincodeEvents.map((e) => ({
              blockNumber: block.number,
              txId: t.txId,
              chaincode: e.chaincode,
              name: e.name,
              payload: e.payload,
            }))
          : [];
      }),
    );
    return Promise.resolve(events);
  }

  blocks(_identity: string, startBlock?: bigint): Promise<LedgerStream<LedgerBlock>> {
    if (this.#closed || this.unavailable) return Promise.reject(this.#unavailable('events'));
    return Promise.resolve(this.#stream(startBlock, (block) => [block]));
  }

  chainHeight(_identity: string): Promise<bigint> {
    if (this.#closed || this.unavailable) return Promise.reject(this.#unavailable('evaluate'));
    return Promise.resolve(BigInt(this.#blocks.length));
  }

  peerStates(_identity: string): Promise<readonly LedgerPeerState[]> {
    return Promise.resolve(
      this.peers.map((p) =>
        p.reachable && !this.#closed && !this.unavailable
          ? { ...p, height: BigInt(this.#blocks.length) }
          : { ...p, reachable: false, problem: 'unavailable' },
      ),
    );
  }

  orderingService(_identity: string): Promise<LedgerOrderingService> {
    if (this.#closed || this.unavailable) return Promise.reject(this.#unavailable('evaluate'));
    return Promise.resolve(this.ordering);
  }

  close(): Promise<void> {
    this.#closed = true;
    for (const wake of this.#listeners) wake();
    return Promise.resolve();
  }

  #record(kind: FakeCall['kind'], request: SubmitRequest): FakeCall {
    const call: FakeCall = {
      kind,
      txId: randomBytes(32).toString('hex'),
      identity: request.identity,
      transaction: request.transaction,
      args: [...request.args],
      ...(request.transient ? { transient: request.transient } : {}),
      ...(request.endorsingOrganizations
        ? { endorsingOrganizations: [...request.endorsingOrganizations] }
        : {}),
    };
    this.calls.push(call);
    return call;
  }

  async #run(
    call: FakeCall,
    stage: LedgerCallKind,
    events: { name: string; payload: Uint8Array }[],
    request?: SubmitRequest,
  ): Promise<unknown> {
    if (this.#closed || this.unavailable) throw this.#unavailable(stage, call.txId);
    const queued = this.#failures.get(call.transaction);
    const failure = queued?.shift();
    if (failure) {
      const error = typeof failure === 'function' ? failure(call) : failure;
      // A failure after ordering (a conflict, a commit-status timeout) comes after the transaction
      // ID was announced, as on a real ledger.
      if (request && (error.stage === 'submit' || error.stage === 'commitStatus')) {
        await announce(request, call.txId);
      }
      // A commit-time failure still consumes a block, as on a real ledger.
      if (error instanceof TransactionConflictError || error instanceof TransactionInvalidError) {
        this.#commit(call, error.validationCode, []);
      }
      throw error;
    }
    const handler = this.#handlers.get(call.transaction);
    if (!handler)
      throw chaincodeError('INVALID_ARGUMENT', `unknown transaction '${call.transaction}'`, stage, call.txId);
    const context: FakeContext = {
      ...call,
      emit: (name, payload) => events.push({ name, payload: encode(payload) }),
    };
    return await handler(context);
  }

  #commit(call: FakeCall, validationCode: string, events: { name: string; payload: Uint8Array }[]): bigint {
    const number = BigInt(this.#blocks.length);
    this.#blocks.push({
      number,
      bytes: new Uint8Array(),
      transactions: [
        {
          txId: call.txId,
          type: 'ENDORSER_TRANSACTION',
          timestamp: new Date(),
          validationCode,
          creatorMspId: this.mspId,
          // The fake writes what its events speak for (a real transaction's rwset does).
          chaincodeEvents: events.map((e) => ({
            chaincode: 'waybill',
            ...e,
            writes: attestingWrites(e.name, e.payload),
          })),
        },
      ],
    });
    this.#statuses.set(call.txId, {
      txId: call.txId,
      committed: true,
      validationCode,
      successful: validationCode === 'VALID',
      blockNumber: number,
    });
    for (const wake of this.#listeners) wake();
    return number;
  }

  #stream<T>(startBlock: bigint | undefined, items: (block: LedgerBlock) => T[]): LedgerStream<T> {
    let next = startBlock === undefined ? this.#blocks.length : Number(startBlock);
    let open = true;
    let wake: (() => void) | undefined;
    const listener = () => wake?.();
    this.#listeners.add(listener);
    const blocks = this.#blocks;
    const isClosed = () => !open || this.#closed;
    return {
      close: () => {
        open = false;
        this.#listeners.delete(listener);
        listener();
      },
      async *[Symbol.asyncIterator]() {
        while (!isClosed()) {
          const block = blocks[next];
          if (block === undefined) {
            await new Promise<void>((resolve) => (wake = resolve));
            continue;
          }
          next++;
          for (const item of items(block)) yield item;
        }
      },
    };
  }

  networkIdentity(_identity: string): Promise<NetworkIdentity> {
    if (this.unavailable || this.#closed) return Promise.reject(this.#unavailable('evaluate'));
    return Promise.resolve(this.network);
  }

    #unavailable(stage: LedgerCallKind, txId?: string): LedgerUnavailableError {
    return new LedgerUnavailableError({ stage, txId, message: '14 UNAVAILABLE: fake ledger unavailable' });
  }
}

function encode(value: unknown): Uint8Array {
  return value === undefined ? new Uint8Array() : new TextEncoder().encode(JSON.stringify(value));
}
