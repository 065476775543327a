import * as grpc from '@grpc/grpc-js';
import { common, orderer, peer } from '@hyperledger/fabric-protos';
import { CliError } from '../common/errors';
import type { SigningIdentity } from './identity';
import { channelHeader, newTransactionContext, signEnvelope, signatureHeader } from './proposal';

/** A peer or orderer endpoint: public information only (address and TLS root). */
export interface Endpoint {
  /** A name for messages (`peer0.carrier`). */
  readonly name: string;
  /** `host:port` of the node's gRPC service. */
  readonly address: string;
  readonly tlsRootCert: Uint8Array;
  /** Host name the node's TLS certificate is checked against, when it differs from the address. */
  readonly hostnameOverride?: string;
}

/** A peer endpoint and the organisation it belongs to. */
export interface PeerEndpoint extends Endpoint {
  readonly mspId: string;
}

/*
 * gRPC methods with serialisers of our own. The generated clients of @hyperledger/fabric-protos
 * check `instanceof` against their copy's classes, and google-protobuf's generated code shares one
 * global namespace between copies: with fabric-gateway's own copy loaded in the same process (the
 * deploy waits on it), those checks fail. Plain `serializeBinary()` needs no such check.
 */
const ser = (m: { serializeBinary(): Uint8Array }): Buffer => Buffer.from(m.serializeBinary());
const METHODS = {
  processProposal: '/protos.Endorser/ProcessProposal',
  deliverFiltered: '/protos.Deliver/DeliverFiltered',
  broadcast: '/orderer.AtomicBroadcast/Broadcast',
  deliver: '/orderer.AtomicBroadcast/Deliver',
} as const;

function newClient(ep: Endpoint): grpc.Client {
  return new grpc.Client(ep.address, ...credentials(ep));
}

function credentials(ep: Endpoint): [grpc.ChannelCredentials, grpc.ClientOptions] {
  return [
    grpc.credentials.createSsl(Buffer.from(ep.tlsRootCert)),
    {
      ...(ep.hostnameOverride ? { 'grpc.ssl_target_name_override': ep.hostnameOverride } : {}),
      'grpc.max_send_message_length': 256 * 1024 * 1024,
      'grpc.max_receive_message_length': 256 * 1024 * 1024,
    },
  ];
}

function deadline(ms: number): grpc.CallOptions {
  return { deadline: Date.now() + ms };
}

/**
 * Sends a signed proposal to a peer's Endorser service.
 * @throws CliError when the peer is unreachable or answers with status ≥ 400 (its message kept).
 */
export async function processProposal(ep: Endpoint, signed: peer.SignedProposal, timeoutMs = 60_000): Promise<peer.ProposalResponse> {
  const client = newClient(ep);
  try {
    return await proposeOn(client, ep, signed, timeoutMs);
  } finally {
    client.close();
  }
}

/** A connection to one peer's Endorser service, for many proposals (one TLS handshake). */
export interface EndorserConnection {
  /** {@link processProposal} over this connection. */
  processProposal(signed: peer.SignedProposal, timeoutMs?: number): Promise<peer.ProposalResponse>;
  close(): void;
}

/** Opens a connection to a peer for many proposals; close it when done. */
export function openEndorser(ep: Endpoint): EndorserConnection {
  const client = newClient(ep);
  return {
    processProposal: (signed, timeoutMs = 60_000) => proposeOn(client, ep, signed, timeoutMs),
    close: () => client.close(),
  };
}

async function proposeOn(client: grpc.Client, ep: Endpoint, signed: peer.SignedProposal, timeoutMs: number): Promise<peer.ProposalResponse> {
  try {
    const response = await new Promise<peer.ProposalResponse>((resolve, reject) =>
      client.makeUnaryRequest(METHODS.processProposal, ser, (b: Buffer) => peer.ProposalResponse.deserializeBinary(b), signed, new grpc.Metadata(), deadline(timeoutMs), (err, r) => (err || !r ? reject(err ?? new Error("no response")) : resolve(r))),
    );
    const status = response.getResponse()?.getStatus() ?? 0;
    if (status >= 400) {
      throw new EndorsementError(ep.name, status, response.getResponse()?.getMessage() ?? '');
    }
    return response;
  } catch (err) {
    if (err instanceof EndorsementError) throw err;
    throw new CliError(`${ep.name} (${ep.address}) did not answer: ${(err as grpc.ServiceError).details || (err as Error).message}`);
  }
}

/** A peer refused a proposal: its status and message. */
export class EndorsementError extends CliError {
  readonly peer: string;
  readonly status: number;
  readonly peerMessage: string;
  constructor(peerName: string, status: number, message: string) {
    super(`${peerName} refused: ${message || `status ${status}`}`);
    this.name = 'EndorsementError';
    this.peer = peerName;
    this.status = status;
    this.peerMessage = message;
  }
}

/**
 * An orderer answered SERVICE_UNAVAILABLE: the channel has no Raft leader (yet). Right after the
 * channel is created or an orderer restarts, this lasts until the election ends (seconds).
 */
export class OrdererUnavailableError extends CliError {
  constructor(message: string) {
    super(message);
    this.name = 'OrdererUnavailableError';
  }
}

/** How long a deliver or broadcast waits out an orderer without a Raft leader before it gives up. */
const LEADERLESS_WAIT_MS = 30_000;

/** Runs `attempt` again while the orderer has no leader, for up to {@link LEADERLESS_WAIT_MS}. */
async function whileLeaderless<T>(attempt: () => Promise<T>): Promise<T> {
  const until = Date.now() + LEADERLESS_WAIT_MS;
  for (let pause = 100; ; pause = Math.min(pause * 2, 1_000)) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof OrdererUnavailableError) || Date.now() + pause > until) throw err;
      await new Promise((r) => setTimeout(r, pause));
    }
  }
}

function refusal(ep: Endpoint, what: string, status: number, info = ''): CliError {
  const message = `${ep.name} ${what}: ${statusName(status)} ${info}`.trim();
  return status === common.Status.SERVICE_UNAVAILABLE ? new OrdererUnavailableError(message) : new CliError(message);
}

/**
 * Sends an envelope to an orderer's Broadcast service and waits for its answer; an orderer
 * without a Raft leader is asked again (bounded), as the peer CLI's retry would.
 * @throws CliError with the orderer's status and info when it refuses.
 */
export function broadcast(ep: Endpoint, env: common.Envelope, timeoutMs = 30_000): Promise<void> {
  return whileLeaderless(() => broadcastOnce(ep, env, timeoutMs));
}

async function broadcastOnce(ep: Endpoint, env: common.Envelope, timeoutMs: number): Promise<void> {
  const client = newClient(ep);
  try {
    await new Promise<void>((resolve, reject) => {
      const call = client.makeBidiStreamRequest(METHODS.broadcast, ser, (b: Buffer) => orderer.BroadcastResponse.deserializeBinary(b), new grpc.Metadata(), deadline(timeoutMs));
      call.on('data', (r: orderer.BroadcastResponse) => {
        if (r.getStatus() === common.Status.SUCCESS) resolve();
        else reject(refusal(ep, 'refused the transaction', r.getStatus(), r.getInfo()));
        call.end();
      });
      call.on('error', (err: grpc.ServiceError) => reject(new CliError(`${ep.name} (${ep.address}): ${err.details || err.message}`)));
      call.on('end', () => reject(new CliError(`${ep.name} closed the broadcast stream without an answer`)));
      call.write(env);
    });
  } finally {
    client.close();
  }
}

function statusName(s: number): string {
  return Object.entries(common.Status).find(([, v]) => v === s)?.[0] ?? String(s);
}

/** A signed DELIVER_SEEK_INFO envelope: from `start` (block number or the newest) onwards. */
export async function seekEnvelope(
  id: SigningIdentity,
  channel: string,
  start: number | 'newest' | 'oldest',
  stop: number | 'newest' | 'oldest' | 'forever',
): Promise<common.Envelope> {
  const pos = (p: number | 'newest' | 'oldest'): orderer.SeekPosition => {
    const sp = new orderer.SeekPosition();
    if (p === 'newest') sp.setNewest(new orderer.SeekNewest());
    else if (p === 'oldest') sp.setOldest(new orderer.SeekOldest());
    else {
      const s = new orderer.SeekSpecified();
      s.setNumber(p);
      sp.setSpecified(s);
    }
    return sp;
  };
  const seek = new orderer.SeekInfo();
  seek.setStart(pos(start));
  seek.setStop(pos(stop === 'forever' ? Number.MAX_SAFE_INTEGER : stop));
  seek.setBehavior(orderer.SeekInfo.SeekBehavior.BLOCK_UNTIL_READY);
  const ctx = newTransactionContext(id);
  const header = new common.Header();
  header.setChannelHeader(channelHeader(common.HeaderType.DELIVER_SEEK_INFO, channel, ctx.txId).serializeBinary());
  header.setSignatureHeader(signatureHeader(ctx.creator, ctx.nonce).serializeBinary());
  const payload = new common.Payload();
  payload.setHeader(header);
  payload.setData(seek.serializeBinary());
  return signEnvelope(id, payload);
}

/**
 * Fetches one block from an orderer's Deliver service (`newest`, `oldest` or a number); an
 * orderer without a Raft leader is asked again (bounded).
 */
export function fetchBlock(ep: Endpoint, id: SigningIdentity, channel: string, which: number | 'newest' | 'oldest'): Promise<common.Block> {
  return whileLeaderless(() => fetchBlockOnce(ep, id, channel, which));
}

async function fetchBlockOnce(ep: Endpoint, id: SigningIdentity, channel: string, which: number | 'newest' | 'oldest'): Promise<common.Block> {
  const client = newClient(ep);
  const env = await seekEnvelope(id, channel, which, which);
  try {
    return await new Promise<common.Block>((resolve, reject) => {
      const call = client.makeBidiStreamRequest(METHODS.deliver, ser, (b: Buffer) => orderer.DeliverResponse.deserializeBinary(b), new grpc.Metadata(), deadline(30_000));
      let block: common.Block | undefined;
      call.on('data', (r: orderer.DeliverResponse) => {
        const b = r.getBlock();
        if (b) block = b;
        else if (r.getStatus() !== common.Status.SUCCESS) reject(refusal(ep, 'deliver', r.getStatus()));
        if (block) {
          resolve(block);
          call.cancel();
        }
      });
      call.on('error', (err: grpc.ServiceError) => {
        if (err.code !== grpc.status.CANCELLED) reject(new CliError(`${ep.name} (${ep.address}): ${err.details || err.message}`));
      });
      call.write(env);
    });
  } finally {
    client.close();
  }
}

/**
 * Listens to a peer's filtered blocks from the newest one on, so that a transaction broadcast
 * after {@link CommitWatcher.ready} resolves cannot be missed. {@link CommitWatcher.wait} gives the
 * validation code of a transaction once the peer committed it.
 */
export class CommitWatcher {
  readonly #client: grpc.Client;
  readonly #call: grpc.ClientDuplexStream<common.Envelope, peer.DeliverResponse>;
  readonly #seen = new Map<string, number>();
  readonly #waiters = new Map<string, (code: number) => void>();
  readonly #ep: Endpoint;
  #failed: Error | undefined;
  #onFail: ((err: Error) => void)[] = [];
  readonly ready: Promise<void>;

  private constructor(ep: Endpoint, env: common.Envelope) {
    this.#ep = ep;
    this.#client = newClient(ep);
    this.#call = this.#client.makeBidiStreamRequest(METHODS.deliverFiltered, ser, (b: Buffer) => peer.DeliverResponse.deserializeBinary(b), new grpc.Metadata(), {});
    let ready: () => void = () => undefined;
    this.ready = new Promise<void>((resolve, reject) => {
      ready = resolve;
      this.#onFail.push(reject);
    });
    this.#call.on('data', (r: peer.DeliverResponse) => {
      const block = r.getFilteredBlock();
      if (!block) {
        if (r.getStatus() !== common.Status.SUCCESS) this.#fail(new CliError(`${ep.name} deliver: status ${r.getStatus()}`));
        return;
      }
      ready();
      for (const tx of block.getFilteredTransactionsList()) {
        this.#seen.set(tx.getTxid(), tx.getTxValidationCode());
        this.#waiters.get(tx.getTxid())?.(tx.getTxValidationCode());
      }
    });
    this.#call.on('error', (err: grpc.ServiceError) => {
      if (err.code !== grpc.status.CANCELLED) this.#fail(new CliError(`${ep.name} deliver: ${err.details || err.message}`));
    });
    this.#call.write(env);
  }

  #fail(err: Error): void {
    this.#failed = err;
    for (const f of this.#onFail) f(err);
  }

  static async open(ep: Endpoint, id: SigningIdentity, channel: string): Promise<CommitWatcher> {
    const w = new CommitWatcher(ep, await seekEnvelope(id, channel, 'newest', 'forever'));
    await w.ready;
    return w;
  }

  /**
   * Resolves when `txId` is committed valid.
   * @throws CliError naming the validation code when the peers invalidated it, or on timeout.
   */
  async wait(txId: string, timeoutMs = 60_000): Promise<void> {
    const code = await new Promise<number>((resolve, reject) => {
      if (this.#failed) return reject(this.#failed);
      const seen = this.#seen.get(txId);
      if (seen !== undefined) return resolve(seen);
      const timer = setTimeout(() => reject(new CliError(`transaction ${txId} not committed on ${this.#ep.name} within ${timeoutMs / 1000}s`)), timeoutMs);
      this.#waiters.set(txId, (c) => {
        clearTimeout(timer);
        resolve(c);
      });
      this.#onFail.push((e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    if (code !== peer.TxValidationCode.VALID) {
      const name = Object.entries(peer.TxValidationCode).find(([, v]) => v === code)?.[0] ?? String(code);
      throw new CliError(`transaction ${txId} was invalidated by the peers: ${name}`);
    }
  }

  close(): void {
    this.#call.cancel();
    this.#client.close();
  }
}
