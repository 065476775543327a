import { networkIdentityOf } from './network-identity';
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { type MessageSigner, newNativeSigner } from '@waybill/fabric-signer';
import {
  type Checkpoint,
  type CloseableAsyncIterable,
  connect,
  type Contract,
  type Gateway,
  hash,
  type Network,
} from '@hyperledger/fabric-gateway';
import { common, gateway as gatewayProtos, msp } from '@hyperledger/fabric-protos';
import type { LedgerTimeouts } from '../config/config';
import type { ConnectionProfile, PeerProfile } from '../config/profile';
import { decodeBlock, validationCodeName } from './block-decoder';
import { orderingServiceOfConfigBlock } from './channel-config';
import { seekNewest } from './seek-newest';
import { announce } from './announce';
import { awaitCommit } from './commit-wait';
import { grpcChannelOptions } from './grpc-options';
import { fromFabricGatewayError, fromValidationCode } from './fabric-error.mapper';
import {
  LedgerError,
  LedgerInternalError,
  LedgerTimeoutError,
  LedgerUnavailableError,
} from './ledger.errors';
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
} from './ledger.port';

/** Options of {@link FabricGatewayLedger}. */
export interface FabricGatewayLedgerOptions {
  readonly profile: ConnectionProfile;
  readonly timeouts: LedgerTimeouts;
}

interface Signer {
  readonly mspId: string;
  readonly credentials: Uint8Array;
  readonly sign: MessageSigner;
}

interface Connection {
  readonly gateway: Gateway;
  readonly network: Network;
  readonly contract: Contract;
}

/**
 * Ledger port over the Fabric Gateway service of Fabric >= 2.4 peers.
 *
 * One long-lived TLS gRPC client per peer endpoint, shared by one `Gateway` per identity (created
 * on first use). Evaluate and endorse fail over to the organisation's next peer when a peer is
 * unreachable. A transaction handed to the orderer is never replaced by a new one; the same signed
 * transaction is sent again while its commit does not come (see {@link awaitCommit}).
 */
export class FabricGatewayLedger implements LedgerPort {
  readonly adapter = 'fabric-gateway';
  readonly #profile: ConnectionProfile;
  readonly #timeouts: LedgerTimeouts;
  readonly #clients: grpc.Client[];
  readonly #signers = new Map<string, Signer>();
  readonly #connections = new Map<string, Connection>();
  /** Index of the peer that answered last; calls start there. */
  #preferredPeer = 0;
  #closed = false;

  /**
   * Reads every identity's certificate and key and creates the gRPC clients (connections are made
   * lazily by gRPC).
   * @throws Error when a certificate or key cannot be read or parsed.
   */
  constructor(options: Readonly<FabricGatewayLedgerOptions>) {
    this.#profile = options.profile;
    this.#timeouts = options.timeouts;
    this.#clients = options.profile.peers.map((peer) => newGrpcClient(peer));
    for (const identity of options.profile.identities) {
      const key = createPrivateKey(readFileSync(identity.keyPath));
      this.#signers.set(identity.id, {
        mspId: options.profile.mspId,
        credentials: readFileSync(identity.certPath),
        sign: newNativeSigner(key),
      });
    }
  }

  async evaluate(request: EvaluateRequest): Promise<Uint8Array> {
    return this.#withFailover(request.identity, 'evaluate', async (c) => {
      const proposal = c.contract.newProposal(request.transaction, { arguments: [...request.args] });
      try {
        return await proposal.evaluate();
      } catch (err) {
        throw fromFabricGatewayError(err, 'evaluate', proposal.getTransactionId());
      }
    });
  }

  async submit(request: SubmitRequest): Promise<SubmitResult> {
    const { txId, transaction, submitted } = await this.#endorseAndSubmit(request);
    // Not committed within WAYBILL_COMMIT_RESEND_AFTER_MS: the same signed transaction goes to
    // the ordering service again (an orderer's acceptance does not promise ordering; see
    // awaitCommit), until the commit deadline.
    const { status, resends } = await awaitCommit(
      async (waitMs) => {
        try {
          return await submitted.getStatus({ deadline: Date.now() + waitMs });
        } catch (err) {
          throw fromFabricGatewayError(err, 'commitStatus', txId);
        }
      },
      async () => {
        await transaction.submit();
      },
      { deadlineMs: this.#timeouts.commitStatusMs, resendAfterMs: this.#timeouts.resendAfterMs },
    );
    if (!status.successful) throw fromValidationCode(status.code, txId);
    return {
      txId,
      result: transaction.getResult(),
      blockNumber: status.blockNumber,
      validationCode: 'VALID',
      resends,
    };
  }

  async submitAsync(request: SubmitRequest): Promise<SubmittedTransaction> {
    const { txId, transaction } = await this.#endorseAndSubmit(request);
    return { txId, result: transaction.getResult() };
  }

  async getTransactionStatus(identity: string, txId: string, waitMs: number): Promise<TransactionStatus> {
    const signer = this.#signer(identity);
    return this.#withFailover(identity, 'commitStatus', async (c) => {
      const request = new gatewayProtos.CommitStatusRequest();
      request.setTransactionId(txId);
      request.setChannelId(this.#profile.channel);
      request.setIdentity(serializedIdentity(signer));
      const signed = new gatewayProtos.SignedCommitStatusRequest();
      signed.setRequest(request.serializeBinary());
      const commit = c.gateway.newCommit(signed.serializeBinary());
      try {
        // The peer answers at once for a committed transaction and otherwise waits for it.
        const status = await commit.getStatus({ deadline: Date.now() + waitMs });
        return {
          txId,
          committed: true,
          validationCode: validationCodeName(status.code),
          successful: status.successful,
          blockNumber: status.blockNumber,
        };
      } catch (err) {
        const mapped = fromFabricGatewayError(err, 'commitStatus', txId);
        if (mapped instanceof LedgerTimeoutError) return { txId, committed: false };
        throw mapped;
      }
    });
  }

  async chaincodeEvents(identity: string, start?: EventStart): Promise<LedgerStream<LedgerChaincodeEvent>> {
    return this.#withFailover(identity, 'events', async (c) => {
      const options =
        start === undefined
          ? {}
          : start.afterTxId === undefined
            ? { startBlock: start.blockNumber }
            : { checkpoint: checkpoint(start.blockNumber, start.afterTxId) };
      let events: CloseableAsyncIterable<{
        blockNumber: bigint;
        transactionId: string;
        chaincodeName: string;
        eventName: string;
        payload: Uint8Array;
      }>;
      try {
        events = await c.network.getChaincodeEvents(this.#profile.chaincode, options);
      } catch (err) {
        throw fromFabricGatewayError(err, 'events');
      }
      return mapStream(events, (e) => ({
        blockNumber: e.blockNumber,
        txId: e.transactionId,
        chaincode: e.chaincodeName,
        name: e.eventName,
        payload: e.payload,
      }));
    });
  }

  async blocks(identity: string, startBlock?: bigint): Promise<LedgerStream<LedgerBlock>> {
    return this.#withFailover(identity, 'events', async (c) => {
      try {
        const blocks = await c.network.getBlockEvents(startBlock === undefined ? {} : { startBlock });
        return mapStream(blocks, decodeBlock);
      } catch (err) {
        throw fromFabricGatewayError(err, 'events');
      }
    });
  }

  async chainHeight(identity: string): Promise<bigint> {
    return this.#withFailover(identity, 'evaluate', async (c) => {
      // qscc is the peer's system chaincode for ledger queries; channel readers may call it.
      const proposal = c.network.getContract('qscc').newProposal('GetChainInfo', {
        arguments: [this.#profile.channel],
      });
      try {
        const info = common.BlockchainInfo.deserializeBinary(await proposal.evaluate());
        return BigInt(info.getHeight());
      } catch (err) {
        throw fromFabricGatewayError(err, 'evaluate', proposal.getTransactionId());
      }
    });
  }

  async peerStates(identity: string): Promise<readonly LedgerPeerState[]> {
    this.#signer(identity);
    return Promise.all(
      this.#profile.peers.map(async (peer, index): Promise<LedgerPeerState> => {
        const known = { name: peer.name, endpoint: peer.endpoint };
        try {
          if (this.#closed)
            throw new LedgerUnavailableError({ stage: 'events', message: 'the ledger connection is closed' });
          return {
            ...known,
            reachable: true,
            height: await this.#heightOn(this.#connection(identity, index)),
          };
        } catch (err) {
          return { ...known, reachable: false, problem: fromFabricGatewayError(err, 'events').kind };
        }
      }),
    );
  }

  async orderingService(identity: string): Promise<LedgerOrderingService> {
    return this.#withFailover(identity, 'evaluate', async (c) => {
      // cscc is the peer's configuration system chaincode; channel readers may call it.
      const proposal = c.network.getContract('cscc').newProposal('GetConfigBlock', {
        arguments: [this.#profile.channel],
      });
      let bytes: Uint8Array;
      try {
        bytes = await proposal.evaluate();
      } catch (err) {
        throw fromFabricGatewayError(err, 'evaluate', proposal.getTransactionId());
      }
      try {
        return orderingServiceOfConfigBlock(bytes);
      } catch (err) {
        throw fromFabricGatewayError(err, 'evaluate');
      }
    });
  }

  /**
   * The channel's height on the connection's own peer, from that peer's Deliver service (the newest
   * block, filtered: numbers only). Not `qscc GetChainInfo`: the Gateway service routes an
   * evaluate to the organisation's peer with the highest block, so every peer would seem to hold it.
   */
  async #heightOn(c: Connection): Promise<bigint> {
    // The SDK builds the request's header; only the seek changes, to the newest block.
    const request = seekNewest(c.network.newFilteredBlockEventsRequest({ startBlock: 0n }).getBytes());
    const blocks = await c.gateway
      .newFilteredBlockEventsRequest(request)
      .getEvents({ deadline: Date.now() + this.#timeouts.evaluateMs });
    try {
      for await (const block of blocks) return BigInt(block.getNumber()) + 1n;
      throw new LedgerUnavailableError({ stage: 'events', message: 'the peer sent no block' });
    } finally {
      blocks.close();
    }
  }

  async networkIdentity(identity: string): Promise<NetworkIdentity> {
    return this.#withFailover(identity, 'evaluate', async (c) => {
      const proposal = c.network.getContract('qscc').newProposal('GetBlockByNumber', {
        arguments: [this.#profile.channel, '0'],
      });
      let block: Uint8Array;
      try {
        block = await proposal.evaluate();
      } catch (err) {
        throw fromFabricGatewayError(err, 'evaluate', proposal.getTransactionId());
      }
      return networkIdentityOf(this.#profile.channel, block);
    });
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    for (const c of this.#connections.values()) c.gateway.close();
    this.#connections.clear();
    for (const client of this.#clients) client.close();
    return Promise.resolve();
  }

  async #endorseAndSubmit(request: SubmitRequest) {
    const options = {
      arguments: [...request.args],
      ...(request.transient ? { transientData: { ...request.transient } } : {}),
      ...(request.endorsingOrganizations?.length
        ? { endorsingOrganizations: [...request.endorsingOrganizations] }
        : {}),
    };
    // Endorsement is safe to repeat on another peer: nothing has reached the orderer yet.
    const { transaction, txId } = await this.#withFailover(request.identity, 'endorse', async (c) => {
      const proposal = c.contract.newProposal(request.transaction, options);
      try {
        return { transaction: await proposal.endorse(), txId: proposal.getTransactionId() };
      } catch (err) {
        throw fromFabricGatewayError(err, 'endorse', proposal.getTransactionId());
      }
    });
    await announce(request, txId);
    try {
      return { txId, transaction, submitted: await transaction.submit() };
    } catch (err) {
      throw fromFabricGatewayError(err, 'submit', txId);
    }
  }

  /** Runs `call` on the preferred peer, then on the others while the failure is "unavailable". */
  async #withFailover<T>(
    identity: string,
    stage: LedgerCallKind,
    call: (c: Connection) => Promise<T>,
  ): Promise<T> {
    if (this.#closed) throw new LedgerUnavailableError({ stage, message: 'the ledger connection is closed' });
    const peers = this.#clients.length;
    let lastError: LedgerError | undefined;
    for (let i = 0; i < peers; i++) {
      const peerIndex = (this.#preferredPeer + i) % peers;
      try {
        const result = await call(this.#connection(identity, peerIndex));
        this.#preferredPeer = peerIndex;
        return result;
      } catch (err) {
        const mapped = fromFabricGatewayError(err, stage);
        if (!(mapped instanceof LedgerUnavailableError) || this.#closed) throw mapped;
        lastError = mapped;
      }
    }
    throw lastError ?? new LedgerUnavailableError({ stage, message: 'no peer configured' });
  }

  #signer(identity: string): Signer {
    const signer = this.#signers.get(identity);
    if (!signer) {
      throw new LedgerInternalError({
        stage: 'evaluate',
        message: `identity ${identity} is not in the connection profile`,
      });
    }
    return signer;
  }

  #connection(identity: string, peerIndex: number): Connection {
    const key = `${identity}\u0000${peerIndex}`;
    const existing = this.#connections.get(key);
    if (existing) return existing;
    const signer = this.#signer(identity);
    const client = this.#clients[peerIndex];
    if (!client) throw new LedgerInternalError({ stage: 'evaluate', message: `no peer ${peerIndex}` });
    const t = this.#timeouts;
    const gateway = connect({
      client,
      identity: { mspId: signer.mspId, credentials: signer.credentials },
      signer: signer.sign,
      // The native signer hashes as it signs (see @waybill/fabric-signer).
      hash: hash.none,
      evaluateOptions: () => ({ deadline: Date.now() + t.evaluateMs }),
      endorseOptions: () => ({ deadline: Date.now() + t.endorseMs }),
      submitOptions: () => ({ deadline: Date.now() + t.submitMs }),
      commitStatusOptions: () => ({ deadline: Date.now() + t.commitStatusMs }),
    });
    const network = gateway.getNetwork(this.#profile.channel);
    const connection = { gateway, network, contract: network.getContract(this.#profile.chaincode) };
    this.#connections.set(key, connection);
    return connection;
  }
}

function newGrpcClient(peer: PeerProfile): grpc.Client {
  const credentials = grpc.credentials.createSsl(readFileSync(peer.tlsRootCertPath));
  return new grpc.Client(peer.endpoint, credentials, grpcChannelOptions(peer));
}

function serializedIdentity(signer: Signer): Uint8Array {
  const identity = new msp.SerializedIdentity();
  identity.setMspid(signer.mspId);
  identity.setIdBytes(signer.credentials);
  return identity.serializeBinary();
}

function checkpoint(blockNumber: bigint, txId: string): Checkpoint {
  return { getBlockNumber: () => blockNumber, getTransactionId: () => txId };
}

function mapStream<S, T>(source: CloseableAsyncIterable<S>, map: (item: S) => T): LedgerStream<T> {
  return {
    close: () => source.close(),
    async *[Symbol.asyncIterator]() {
      try {
        for await (const item of source) yield map(item);
      } catch (err) {
        throw fromFabricGatewayError(err, 'events');
      }
    },
  };
}
