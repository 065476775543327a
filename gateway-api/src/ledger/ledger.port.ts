/**
 * The ledger port: everything the gateway needs from Fabric, in terms that do not depend on an SDK.
 *
 * Adapters: `fabric-gateway` (Fabric >= 2.4 peers, {@link FabricGatewayLedger}); a `fabric-network`
 * adapter for Fabric 2.2 (AWS Managed Blockchain) implements the same interface. Controllers and
 * services only ever see this file and `ledger.errors.ts`.
 *
 * Every method rejects with a {@link LedgerError} subclass (see `ledger.errors.ts`), never with an
 * SDK error.
 */

import type { NetworkIdentity } from './network-identity';

export type { NetworkIdentity };

/** Injection token of the ledger port. */
export const LEDGER_PORT = Symbol('LEDGER_PORT');

/** The stage of a ledger call, used for deadlines, metrics and error reporting. */
export type LedgerCallKind = 'evaluate' | 'endorse' | 'submit' | 'commitStatus' | 'events';

/** A read-only chaincode call. `identity` is an identity id of the connection profile. */
export interface EvaluateRequest {
  readonly identity: string;
  readonly transaction: string;
  readonly args: readonly string[];
}

/** A chaincode call that is endorsed, ordered and committed. */
export interface SubmitRequest extends EvaluateRequest {
  /** Transient data: sent to endorsers only, never written to the ledger by Fabric itself. */
  readonly transient?: Readonly<Record<string, string | Uint8Array>>;
  /**
   * MSP IDs that must endorse. Omitted: the Fabric Gateway's discovery chooses. Set it whenever
   * state-based endorsement or a private data collection decides who must endorse.
   */
  readonly endorsingOrganizations?: readonly string[];
  /**
   * Called with the transaction ID after endorsement and before the transaction is sent to the
   * orderer (the Fabric 2.2 adapter, which endorses and orders in one call, calls it just before
   * that call). A rejection stops the submission: nothing reaches the orderer, and the call rejects
   * with a `LedgerInternalError` of stage `endorse`.
   */
  readonly beforeOrdering?: (txId: string) => Promise<void>;
}

/** A committed, valid transaction. */
export interface SubmitResult {
  readonly txId: string;
  /** The chaincode's return value. */
  readonly result: Uint8Array;
  readonly blockNumber: bigint;
  /** Always `VALID`: an invalid transaction rejects with a {@link LedgerError}. */
  readonly validationCode: 'VALID';
  /** How often the same signed transaction was sent to the ordering service again before it committed. */
  readonly resends?: number;
}

/** A transaction accepted by the orderer whose commit has not been awaited. */
export interface SubmittedTransaction {
  readonly txId: string;
  readonly result: Uint8Array;
}

/** What the ledger knows about a transaction ID. */
export type TransactionStatus =
  | {
      readonly txId: string;
      readonly committed: true;
      /** Fabric validation code name: `VALID`, `MVCC_READ_CONFLICT`, `ENDORSEMENT_POLICY_FAILURE`… */
      readonly validationCode: string;
      readonly successful: boolean;
      readonly blockNumber: bigint;
    }
  | {
      /** Not committed within the wait: still in flight, or unknown to the ledger. */
      readonly txId: string;
      readonly committed: false;
    };

/** A chaincode event of a committed transaction. */
export interface LedgerChaincodeEvent {
  readonly blockNumber: bigint;
  readonly txId: string;
  readonly chaincode: string;
  readonly name: string;
  readonly payload: Uint8Array;
}

/**
 * Where an event stream starts. `afterTxId` resumes inside `blockNumber` after that transaction
 * (a durable checkpoint stores both); omitted, the stream starts at the block's first event.
 */
export interface EventStart {
  readonly blockNumber: bigint;
  readonly afterTxId?: string;
}

/** One transaction of a block, decoded. */
export interface LedgerBlockTransaction {
  readonly txId: string;
  /** Fabric header type name: `ENDORSER_TRANSACTION`, `CONFIG`… */
  readonly type: string;
  /** The client's timestamp in the channel header. */
  readonly timestamp: Date | undefined;
  readonly validationCode: string;
  readonly creatorMspId: string | undefined;
  readonly chaincodeEvents: readonly {
    readonly chaincode: string;
    readonly name: string;
    readonly payload: Uint8Array;
    /**
     * What the emitting transaction wrote in the chaincode's namespace: public keys and the names
     * of the private collections it wrote. The event store delivers an asset event only when the
     * asset's key is among them (a write its key-level policy protected).
     */
    readonly writes: { readonly keys: readonly string[]; readonly collections: readonly string[] };
    /**
     * The values of the public keys it wrote in the chaincode's namespace (`null`: deleted), when
     * the adapter decoded them: the read model takes an asset's new value from here instead of
     * reading it back from the ledger.
     */
    readonly written?: ReadonlyMap<string, Uint8Array | null>;
  }[];
}

/** A block read from a peer: decoded transactions and the raw bytes as the peer sent them. */
export interface LedgerBlock {
  readonly number: bigint;
  readonly transactions: readonly LedgerBlockTransaction[];
  readonly bytes: Uint8Array;
}

/**
 * One peer of this organisation's connection profile, asked on its own (no fail-over to another):
 * whether it answered and the channel's height it holds.
 */
export interface LedgerPeerState {
  /** The peer's name in the connection profile. */
  readonly name: string;
  /** Its endpoint in the connection profile (`host:port`). */
  readonly endpoint: string;
  /** Whether it answered within the evaluate deadline. */
  readonly reachable: boolean;
  /** The channel's height on this peer (the next block's number); undefined when it did not answer. */
  readonly height?: bigint;
  /** Why it did not answer: the {@link LedgerError} kind (`unavailable`, `timeout`, `identity`…). */
  readonly problem?: string;
}

/** The channel's ordering service, as the channel configuration (read from a peer) names it. */
export interface LedgerOrderingService {
  /** `etcdraft`, `BFT`, `solo`, `kafka`…; undefined when the configuration has none. */
  readonly consensusType: string | undefined;
  /**
   * The endpoints peers send transactions to, by orderer organisation (`mspId` undefined for the
   * channel-wide legacy `OrdererAddresses`, which name none).
   */
  readonly orderers: readonly { readonly mspId: string | undefined; readonly endpoint: string }[];
  /** Raft consenters (`host:port` of the cluster service); empty for other consensus types. */
  readonly consenters: readonly string[];
}

/** An endless stream from the ledger; `close()` ends it and releases the connection's stream. */
export interface LedgerStream<T> extends AsyncIterable<T> {
  close(): void;
}

/** The ledger, as the gateway's services see it. */
export interface LedgerPort {
  /** Adapter name, for logs and /health. */
  readonly adapter: string;

  /**
   * Evaluates a read-only transaction on a peer of this organisation.
   * @throws {@link LedgerError} — `ChaincodeError` when the chaincode returned an error.
   */
  evaluate(request: EvaluateRequest): Promise<Uint8Array>;

  /**
   * Endorses, orders and waits for the commit of a transaction (one attempt, no retry).
   * @throws {@link LedgerError} — `ChaincodeError` at endorsement, `TransactionConflictError` for an
   * MVCC/phantom read conflict, `TransactionInvalidError` for any other invalid commit,
   * `LedgerUnavailableError`, `LedgerTimeoutError` (with the txId once it is known).
   */
  submit(request: SubmitRequest): Promise<SubmitResult>;

  /**
   * Endorses and sends a transaction to the orderer without waiting for its commit.
   * @throws {@link LedgerError} as {@link submit}, except commit failures.
   */
  submitAsync(request: SubmitRequest): Promise<SubmittedTransaction>;

  /**
   * The commit status of a transaction, waiting at most `waitMs` for it to commit.
   * @throws {@link LedgerError} — `LedgerUnavailableError` when no peer answers.
   */
  getTransactionStatus(identity: string, txId: string, waitMs: number): Promise<TransactionStatus>;

  /**
   * Chaincode events of this channel's chaincode from `start` (default: the next committed block).
   * @throws {@link LedgerError} when the stream cannot be opened.
   */
  chaincodeEvents(identity: string, start?: EventStart): Promise<LedgerStream<LedgerChaincodeEvent>>;

  /**
   * Blocks of the channel from `startBlock` (default: the next committed block), decoded.
   * @throws {@link LedgerError} when the stream cannot be opened.
   */
  blocks(identity: string, startBlock?: bigint): Promise<LedgerStream<LedgerBlock>>;

  /**
   * The channel's block height as a peer of this organisation sees it (the next block's number).
   * @throws {@link LedgerError} — `LedgerUnavailableError` when no peer answers.
   */
  chainHeight(identity: string): Promise<bigint>;

  /**
   * Every peer of the connection profile, each asked for the channel's height on its own. Never
   * rejects for an unreachable peer: that peer is reported `reachable: false`.
   * @throws {@link LedgerError} — `LedgerInternalError` for an identity not in the profile.
   */
  peerStates(identity: string): Promise<readonly LedgerPeerState[]>;

  /**
   * The ordering service named by the channel's current configuration (`cscc GetConfigBlock`
   * on a peer of this organisation). Says nothing about whether the orderers are up: the gateway
   * never talks to them itself (its peers do).
   * @throws {@link LedgerError} — `LedgerUnavailableError` when no peer answers.
   */
  orderingService(identity: string): Promise<LedgerOrderingService>;

  /**
   * The network this port is connected to: its channel and genesis block hash (read from a peer of
   * this organisation). The event reader compares it with the one its database followed so far.
   * @throws {@link LedgerError} — `LedgerUnavailableError` when no peer answers.
   */
  networkIdentity(identity: string): Promise<NetworkIdentity>;

  /** Closes every connection. Calls after `close()` reject with `LedgerUnavailableError`. */
  close(): Promise<void>;
}
