import { networkIdentityOf } from './network-identity';
import { readFileSync } from 'node:fs';
// Before the SDK: it takes its logger from global state when it loads.
import './fabric-sdk-logging';
import { common, peer as peerProtos } from '@hyperledger/fabric-protos';
import * as fabricCommon from 'fabric-common';
import {
  type BlockEvent,
  type Contract,
  type ContractEvent,
  DefaultEventHandlerStrategies,
  DefaultQueryHandlerStrategies,
  Gateway,
  type Network,
  Wallets,
  type X509Identity,
} from 'fabric-network';
import type { LedgerTimeouts } from '../config/config';
import type { ConnectionProfile } from '../config/profile';
import { announce } from './announce';
import { decodeBlock, validationCodeName } from './block-decoder';
import { orderingServiceOfConfigBlock } from './channel-config';
import { fromFabricNetworkError } from './fabric-network-error.mapper';
import { type LedgerError, LedgerInternalError, LedgerUnavailableError } from './ledger.errors';
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

/** Options of {@link FabricNetworkLedger}. */
export interface FabricNetworkLedgerOptions {
  readonly profile: ConnectionProfile;
  readonly timeouts: LedgerTimeouts;
}

interface Connection {
  readonly gateway: Gateway;
  readonly network: Network;
  readonly contract: Contract;
  readonly qscc: Contract;
}

const seconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

// As grpc-options.ts does for the Gateway adapter's channels: cap gRPC's reconnect backoff (120 s
// by default) at 2 s, so that the gateway serves again within seconds of a peer's return. The
// SDK's central connection options reach every endpoint, the discovered ones included.
const sdkConfig = (
  fabricCommon as unknown as {
    Utils: { getConfigSetting(k: string): unknown; setConfigSetting(k: string, v: unknown): void };
  }
).Utils;
sdkConfig.setConfigSetting('connection-options', {
  ...(sdkConfig.getConfigSetting('connection-options') as Record<string, unknown>),
  'grpc.initial_reconnect_backoff_ms': 250,
  'grpc.max_reconnect_backoff_ms': 2_000,
});

/**
 * Ledger port over the Fabric 2.2 Node SDK (`fabric-network` 2.2.20), for peers without the Fabric
 * Gateway service: AWS Managed Blockchain runs Fabric 2.2. It speaks the legacy Endorser, Deliver
 * and Broadcast services, which Fabric 2.5 peers still serve, so the same adapter runs against the
 * local network too.
 *
 * One `Gateway` per identity (created on first use) with service discovery: the SDK finds the
 * endorsers the chaincode's policy needs, other organisations' peers and the orderers from the
 * channel. Semantics and errors are those of {@link FabricGatewayLedger}: commit status comes from
 * `qscc`, chaincode events from the peer's Deliver service (valid transactions only) resumed at a
 * block and after a transaction ID.
 */
export class FabricNetworkLedger implements LedgerPort {
  readonly adapter = 'fabric-network';
  readonly #profile: ConnectionProfile;
  readonly #timeouts: LedgerTimeouts;
  readonly #ccp: Record<string, unknown>;
  readonly #connections = new Map<string, Promise<Connection>>();
  /** Identities whose Gateway saw a peer unreachable: see {@link #reconnect}. */
  readonly #unreachable = new Set<string>();
  #closed = false;

  /**
   * Reads the profile's TLS roots; identities are read when first used.
   * @throws Error when a TLS root certificate cannot be read.
   */
  constructor(options: Readonly<FabricNetworkLedgerOptions>) {
    this.#profile = options.profile;
    this.#timeouts = options.timeouts;
    this.#ccp = commonConnectionProfile(options.profile);
  }

  async evaluate(request: EvaluateRequest): Promise<Uint8Array> {
    const c = await this.#connection(request.identity, 'evaluate');
    const tx = c.contract.createTransaction(request.transaction);
    try {
      return new Uint8Array(await tx.evaluate(...request.args));
    } catch (err) {
      throw this.#failed(request.identity, err, 'evaluate', tx.getTransactionId());
    }
  }

  async submit(request: SubmitRequest): Promise<SubmitResult> {
    const { tx, result } = await this.#endorseAndSubmit(request, false);
    const txId = tx.getTransactionId();
    // The commit handler waited for this organisation's peers; qscc names the block.
    const status = await this.getTransactionStatus(request.identity, txId, this.#timeouts.commitStatusMs);
    if (!status.committed) {
      throw this.#failed(
        request.identity,
        new Error(`transaction ${txId} committed but qscc does not know it`),
        'commitStatus',
        txId,
      );
    }
    return { txId, result: new Uint8Array(result), blockNumber: status.blockNumber, validationCode: 'VALID' };
  }

  async submitAsync(request: SubmitRequest): Promise<SubmittedTransaction> {
    const { tx, result } = await this.#endorseAndSubmit(request, true);
    return { txId: tx.getTransactionId(), result: new Uint8Array(result) };
  }

  /**
   * Submits a new transaction. A discovery failure comes before any endorsement, so nothing has
   * reached the orderer and a new transaction is tried, for up to the endorse deadline: a peer
   * that has just restarted answers discovery only once gossip has found the other
   * organisations' peers again (about a second on the local network).
   */
  async #endorseAndSubmit(request: SubmitRequest, noCommitWait: boolean) {
    const deadline = Date.now() + this.#timeouts.endorseMs;
    for (;;) {
      const c = await this.#connection(request.identity, 'endorse');
      const tx = c.contract.createTransaction(request.transaction);
      prepare(tx, request);
      if (noCommitWait) tx.setEventHandler(DefaultEventHandlerStrategies.NONE);
      await announce(request, tx.getTransactionId());
      try {
        return { tx, result: await tx.submit(...request.args) };
      } catch (err) {
        if (/^DiscoveryService: /.test(messageOf(err)) && Date.now() + 500 < deadline) {
          await new Promise((r) => setTimeout(r, 500));
          continue;
        }
        throw this.#failed(request.identity, err, 'submit', tx.getTransactionId());
      }
    }
  }

  async getTransactionStatus(identity: string, txId: string, waitMs: number): Promise<TransactionStatus> {
    const c = await this.#connection(identity, 'commitStatus');
    const deadline = Date.now() + waitMs;
    for (;;) {
      let processed: Buffer | undefined;
      try {
        processed = await c.qscc.evaluateTransaction('GetTransactionByID', this.#profile.channel, txId);
      } catch (err) {
        // qscc answers "no such transaction ID" until the transaction commits.
        if (!/no such transaction|not found|Failed to get transaction with id/i.test(messageOf(err))) {
          throw this.#failed(identity, err, 'commitStatus', txId);
        }
      }
      if (processed) {
        const tx = peerProtos.ProcessedTransaction.deserializeBinary(processed);
        const validationCode = validationCodeName(tx.getValidationcode());
        let block: Buffer;
        try {
          block = await c.qscc.evaluateTransaction('GetBlockByTxID', this.#profile.channel, txId);
        } catch (err) {
          throw this.#failed(identity, err, 'commitStatus', txId);
        }
        const number = common.Block.deserializeBinary(block).getHeader()?.getNumber() ?? 0;
        return {
          txId,
          committed: true,
          validationCode,
          successful: validationCode === 'VALID',
          blockNumber: BigInt(number),
        };
      }
      if (Date.now() >= deadline) return { txId, committed: false };
      await new Promise((r) => setTimeout(r, Math.min(200, Math.max(0, deadline - Date.now()))));
    }
  }

  async chaincodeEvents(identity: string, start?: EventStart): Promise<LedgerStream<LedgerChaincodeEvent>> {
    const c = await this.#connection(identity, 'events');
    const queue = new AsyncQueue<LedgerChaincodeEvent>();
    // Resuming after a checkpoint: that block's events up to and including its transaction were delivered.
    let passedCheckpoint = start?.afterTxId === undefined;
    const listener = (event: ContractEvent): Promise<void> => {
      const tx = event.getTransactionEvent();
      const blockNumber = BigInt(tx.getBlockEvent().blockNumber.toString());
      if (start?.afterTxId !== undefined && blockNumber === start.blockNumber) {
        if (tx.transactionId === start.afterTxId) {
          passedCheckpoint = true;
          return Promise.resolve();
        }
        if (!passedCheckpoint) return Promise.resolve();
      }
      queue.push({
        blockNumber,
        txId: tx.transactionId,
        chaincode: event.chaincodeId,
        name: event.eventName,
        payload: new Uint8Array(event.payload ?? []),
      });
      return Promise.resolve();
    };
    try {
      await c.contract.addContractListener(listener, {
        type: 'full',
        ...(start ? { startBlock: start.blockNumber.toString() } : {}),
      });
    } catch (err) {
      throw this.#failed(identity, err, 'events');
    }
    return queue.stream(() => c.contract.removeContractListener(listener));
  }

  async blocks(identity: string, startBlock?: bigint): Promise<LedgerStream<LedgerBlock>> {
    const c = await this.#connection(identity, 'events');
    const numbers = new AsyncQueue<bigint>();
    const listener = (event: BlockEvent): Promise<void> => {
      numbers.push(BigInt(event.blockNumber.toString()));
      return Promise.resolve();
    };
    try {
      await c.network.addBlockListener(listener, {
        type: 'filtered',
        ...(startBlock !== undefined ? { startBlock: startBlock.toString() } : {}),
      });
    } catch (err) {
      throw this.#failed(identity, err, 'events');
    }
    const channel = this.#profile.channel;
    const source = numbers.stream(() => c.network.removeBlockListener(listener));
    // The SDK hands out blocks already decoded; the port wants the peer's bytes, which qscc serves.
    return {
      close: () => source.close(),
      async *[Symbol.asyncIterator]() {
        for await (const n of source) {
          let bytes: Buffer;
          try {
            bytes = await c.qscc.evaluateTransaction('GetBlockByNumber', channel, n.toString());
          } catch (err) {
            throw fromFabricNetworkError(err, 'events');
          }
          yield decodeBlock(common.Block.deserializeBinary(bytes));
        }
      },
    };
  }

  async chainHeight(identity: string): Promise<bigint> {
    const c = await this.#connection(identity, 'evaluate');
    try {
      const info = common.BlockchainInfo.deserializeBinary(
        await c.qscc.evaluateTransaction('GetChainInfo', this.#profile.channel),
      );
      return BigInt(info.getHeight());
    } catch (err) {
      throw this.#failed(identity, err, 'evaluate');
    }
  }

  async peerStates(identity: string): Promise<readonly LedgerPeerState[]> {
    if (!this.#profile.identities.some((i) => i.id === identity)) {
      throw new LedgerInternalError({
        stage: 'evaluate',
        message: `identity ${identity} is not in the connection profile`,
      });
    }
    let c: Connection;
    try {
      c = await this.#connection(identity, 'evaluate');
    } catch (err) {
      // No Gateway without an answer from one of our peers (discovery): none is reachable.
      const problem = fromFabricNetworkError(err, 'evaluate').kind;
      return this.#profile.peers.map((p) => ({
        name: p.name,
        endpoint: p.endpoint,
        reachable: false,
        problem,
      }));
    }
    // The profile's peers as the SDK built them from the connection profile, by name: the
    // channel's own list holds the peers discovery found, named by their gossip endpoints.
    const built = c.network.getChannel().client.getEndorsers();
    return Promise.all(
      this.#profile.peers.map(async (p): Promise<LedgerPeerState> => {
        const known = { name: p.name, endpoint: p.endpoint };
        try {
          const endorser = built.find((e) => e.name === p.name);
          return { ...known, reachable: true, height: await this.#heightOn(c, endorser) };
        } catch (err) {
          return { ...known, reachable: false, problem: fromFabricNetworkError(err, 'evaluate').kind };
        }
      }),
    );
  }

  async orderingService(identity: string): Promise<LedgerOrderingService> {
    const c = await this.#connection(identity, 'evaluate');
    let bytes: Buffer;
    try {
      // cscc is the peer's configuration system chaincode; channel readers may call it.
      bytes = await c.network
        .getContract('cscc')
        .evaluateTransaction('GetConfigBlock', this.#profile.channel);
    } catch (err) {
      throw this.#failed(identity, err, 'evaluate');
    }
    try {
      return orderingServiceOfConfigBlock(bytes);
    } catch (err) {
      throw fromFabricNetworkError(err, 'evaluate');
    }
  }

  /**
   * `qscc GetChainInfo` sent to this one peer (the query handler would pick any of ours). An
   * endpoint the SDK marked disconnected is refused without a try (see {@link #reconnect}), so the
   * connection is checked, and rebuilt if need be, first.
   */
  async #heightOn(c: Connection, endorser: fabricCommon.Endorser | undefined): Promise<bigint> {
    if (!endorser || !(await endorser.checkConnection())) {
      throw new LedgerUnavailableError({ stage: 'evaluate', message: 'the peer is not connected' });
    }
    const context = c.gateway.identityContext;
    if (!context)
      throw new LedgerInternalError({ stage: 'evaluate', message: 'the gateway has no identity' });
    const query = c.network.getChannel().newQuery('qscc');
    query.build(context, { fcn: 'GetChainInfo', args: [this.#profile.channel] });
    query.sign(context);
    const answer = await query.send({ targets: [endorser], requestTimeout: this.#timeouts.evaluateMs });
    const response = answer.responses[0]?.response;
    if (!response || response.status !== 200) {
      throw (
        answer.errors[0] ??
        new Error(`qscc answered ${response?.status ?? 'nothing'}: ${response?.message ?? ''}`)
      );
    }
    return BigInt(common.BlockchainInfo.deserializeBinary(response.payload).getHeight());
  }

  async networkIdentity(identity: string): Promise<NetworkIdentity> {
    const c = await this.#connection(identity, 'evaluate');
    let block: Uint8Array;
    try {
      block = await c.qscc.evaluateTransaction('GetBlockByNumber', this.#profile.channel, '0');
    } catch (err) {
      throw this.#failed(identity, err, 'evaluate');
    }
    return networkIdentityOf(this.#profile.channel, block);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const connections = [...this.#connections.values()];
    this.#connections.clear();
    for (const pending of connections) {
      try {
        (await pending).gateway.disconnect();
      } catch {
        // A connection that never opened has nothing to close.
      }
    }
  }

  /**
   * Maps an SDK failure; when a peer was unreachable, the identity's Gateway is kept (with its
   * discovery results) but marked, so that the next call first reconnects this organisation's
   * peers: see {@link #reconnect}.
   */
  #failed(identity: string, err: unknown, stage: LedgerCallKind, txId?: string): LedgerError {
    const mapped = fromFabricNetworkError(err, stage, txId);
    if (mapped instanceof LedgerUnavailableError) this.#unreachable.add(identity);
    return mapped;
  }

  /**
   * Reconnects this organisation's peers of a Gateway that saw a peer unreachable, and fails fast
   * (503, nothing sent) while none of them answers.
   *
   * Why not a new Gateway: a new one must first ask discovery on this organisation's peer, and a
   * peer that has just restarted cannot answer for the chaincode ("failed constructing descriptor
   * for chaincodes") until gossip has brought it the other organisations' peers and the chaincodes
   * they run again, which takes tens of seconds after a restart; the kept Gateway's discovery
   * results (refreshed every 5 minutes) still name the same endorsers. What it must be helped with
   * is fabric-common's connection state: an endpoint whose `waitForReady` failed while the peer
   * was down stays `connected = false`, and queries (`Query.send` → `Endorser.sendProposal`) refuse
   * it ("is not connected") without ever calling `checkConnection`, which endorsements do call.
   * `checkConnection()` rebuilds the gRPC client of such an endpoint. While no own peer is
   * connected the call fails before endorsing: a transaction endorsed by other organisations
   * alone could commit while this gateway cannot see it commit, so it answers as the Gateway
   * adapter does when its peer is down.
   */
  async #reconnect(identity: string, c: Connection, stage: LedgerCallKind): Promise<void> {
    if (!this.#unreachable.has(identity)) return;
    const own = c.network.getChannel().getEndorsers(this.#profile.mspId);
    const up = await Promise.all(own.map((p) => p.checkConnection().catch(() => false)));
    if (up.some(Boolean)) {
      this.#unreachable.delete(identity);
      return;
    }
    throw new LedgerUnavailableError({ stage, message: 'no peer of this organisation could be reached' });
  }

  #connection(
    identity: string,
    stage: 'evaluate' | 'endorse' | 'commitStatus' | 'events',
  ): Promise<Connection> {
    if (this.#closed)
      return Promise.reject(
        new LedgerUnavailableError({ stage, message: 'the ledger connection is closed' }),
      );
    const existing = this.#connections.get(identity);
    if (existing) {
      if (!this.#unreachable.has(identity)) return existing;
      return existing.then(async (c) => {
        await this.#reconnect(identity, c, stage);
        return c;
      });
    }
    const entry = this.#profile.identities.find((i) => i.id === identity);
    if (!entry) {
      return Promise.reject(
        new LedgerInternalError({ stage, message: `identity ${identity} is not in the connection profile` }),
      );
    }
    const opening = (async () => {
      const wallet = await Wallets.newInMemoryWallet();
      const x509: X509Identity = {
        type: 'X.509',
        mspId: this.#profile.mspId,
        credentials: {
          certificate: readFileSync(entry.certPath, 'utf8'),
          privateKey: readFileSync(entry.keyPath, 'utf8'),
        },
      };
      await wallet.put(identity, x509);
      const gateway = new Gateway();
      const t = this.#timeouts;
      try {
        await gateway.connect(this.#ccp, {
          wallet,
          identity,
          discovery: { enabled: true, asLocalhost: false },
          eventHandlerOptions: {
            endorseTimeout: seconds(t.endorseMs),
            commitTimeout: seconds(t.commitStatusMs),
            strategy: DefaultEventHandlerStrategies.MSPID_SCOPE_ANYFORTX,
          },
          queryHandlerOptions: {
            timeout: seconds(t.evaluateMs),
            strategy: DefaultQueryHandlerStrategies.MSPID_SCOPE_ROUND_ROBIN,
          },
        });
        const network = await gateway.getNetwork(this.#profile.channel);
        return {
          gateway,
          network,
          contract: network.getContract(this.#profile.chaincode),
          qscc: network.getContract('qscc'),
        };
      } catch (err) {
        gateway.disconnect();
        throw fromFabricNetworkError(err, stage);
      }
    })();
    // A failed opening is forgotten, so that the next call tries again.
    opening.catch(() => this.#connections.delete(identity));
    this.#connections.set(identity, opening);
    return opening;
  }
}

function prepare(tx: ReturnType<Contract['createTransaction']>, request: SubmitRequest): void {
  if (request.transient) {
    tx.setTransient(
      Object.fromEntries(Object.entries(request.transient).map(([k, v]) => [k, Buffer.from(v)])),
    );
  }
  if (request.endorsingOrganizations?.length) tx.setEndorsingOrganizations(...request.endorsingOrganizations);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The Fabric 2.x "common connection profile" the SDK wants, from Waybill's profile: this
 * organisation and its peers with their TLS roots; the rest comes from discovery.
 */
export function commonConnectionProfile(profile: ConnectionProfile): Record<string, unknown> {
  return {
    name: 'waybill',
    version: '1.0.0',
    client: { organization: profile.organization },
    organizations: {
      [profile.organization]: { mspid: profile.mspId, peers: profile.peers.map((p) => p.name) },
    },
    peers: Object.fromEntries(
      profile.peers.map((p) => [
        p.name,
        {
          url: `grpcs://${p.endpoint}`,
          tlsCACerts: { pem: readFileSync(p.tlsRootCertPath, 'utf8') },
          ...(p.hostnameOverride ? { grpcOptions: { 'ssl-target-name-override': p.hostnameOverride } } : {}),
        },
      ]),
    ),
  };
}

/** A push queue read as a {@link LedgerStream}; `close()` ends the reader and runs `onClose`. */
class AsyncQueue<T> {
  readonly #items: T[] = [];
  #wake: (() => void) | undefined;
  #closed = false;

  push(item: T): void {
    if (this.#closed) return;
    this.#items.push(item);
    this.#wake?.();
  }

  stream(onClose: () => void): LedgerStream<T> {
    const close = (): void => {
      if (this.#closed) return;
      this.#closed = true;
      onClose();
      this.#wake?.();
    };
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const queue = this;
    return {
      close,
      async *[Symbol.asyncIterator]() {
        try {
          for (;;) {
            const next = queue.#items.shift();
            if (next !== undefined) {
              yield next;
              continue;
            }
            if (queue.#closed) return;
            await new Promise<void>((resolve) => (queue.#wake = resolve));
            queue.#wake = undefined;
          }
        } finally {
          close();
        }
      },
    };
  }
}
