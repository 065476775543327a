import type { ChaincodeEvent, CloseableAsyncIterable } from '@hyperledger/fabric-gateway';
import { common } from '@hyperledger/fabric-protos';
import type { GatewaySession } from '../../infra/src/local/gateway-client';

export { MSP } from './orgs';

export interface Submitted<T> {
  readonly txId: string;
  readonly blockNumber: bigint;
  readonly result: T;
}

export interface SubmitOptions {
  /** Organisations whose peers endorse (`endorsingOrganizations`); discovery's choice when absent. */
  readonly endorsers?: readonly string[];
  /** Transient data, each value UTF-8 encoded (never written to a block). */
  readonly transient?: Readonly<Record<string, string>>;
}

/** A transaction that was endorsed and ordered but invalidated at commit. */
export class CommitRejected extends Error {
  constructor(
    readonly txId: string,
    readonly code: number,
    readonly blockNumber: bigint,
  ) {
    super(`transaction ${txId} invalidated at commit with validation code ${code}`);
  }
}

const utf8 = new TextEncoder();
const text = new TextDecoder();

function parse<T>(bytes: Uint8Array): T {
  const s = text.decode(bytes);
  return (s === '' ? undefined : JSON.parse(s)) as T;
}

/**
 * Endorses, orders and waits for the commit of one transaction, the steps a client does through the
 * Fabric Gateway, so tests can choose the endorsing organisations and see the validation code.
 * @throws the gateway's EndorseError/SubmitError, or {@link CommitRejected} when validation fails.
 */
export async function submit<T = unknown>(s: GatewaySession, name: string, args: readonly string[], opts: SubmitOptions = {}): Promise<Submitted<T>> {
  const proposal = s.contract.newProposal(name, {
    arguments: [...args],
    ...(opts.endorsers ? { endorsingOrganizations: [...opts.endorsers] } : {}),
    ...(opts.transient
      ? { transientData: Object.fromEntries(Object.entries(opts.transient).map(([k, v]) => [k, utf8.encode(v)])) }
      : {}),
  });
  const tx = await proposal.endorse();
  const commit = await tx.submit();
  const status = await commit.getStatus();
  if (!status.successful) throw new CommitRejected(status.transactionId, status.code, status.blockNumber);
  return { txId: status.transactionId, blockNumber: status.blockNumber, result: parse<T>(tx.getResult()) };
}

/**
 * The channel height as one session's own peer sees it (qscc GetChainInfo evaluated there).
 */
export async function peerHeight(s: GatewaySession, mspId: string): Promise<number> {
  const bytes = await s.gateway
    .getNetwork(s.network.getName())
    .getContract('qscc')
    .newProposal('GetChainInfo', { arguments: [s.network.getName()], endorsingOrganizations: [mspId] })
    .evaluate();
  return common.BlockchainInfo.deserializeBinary(bytes).getHeight();
}

/**
 * Each organisation's peer pulls blocks from the orderers on its own, so right after a commit
 * that the submitter's peer reported, another organisation's peer may not have the block yet, and
 * endorsing the next transaction there would run on stale state. Clients acting in sequence across
 * organisations wait until every peer they will endorse on has the block.
 */
export async function allPeersAt(peers: readonly { session: GatewaySession; mspId: string }[], blockNumber: bigint, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (const p of peers) {
    while ((await peerHeight(p.session, p.mspId)) <= Number(blockNumber)) {
      if (Date.now() > until) throw new Error(`peer of ${p.mspId} did not reach block ${blockNumber} in ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** {@link submit}, then waits until every one of `peers` has committed the transaction's block. */
export function syncedSubmit(peers: readonly { session: GatewaySession; mspId: string }[]) {
  return async <T = unknown>(s: GatewaySession, name: string, args: readonly string[], opts: SubmitOptions = {}): Promise<Submitted<T>> => {
    try {
      const r = await submit<T>(s, name, args, opts);
      await allPeersAt(peers, r.blockNumber);
      return r;
    } catch (err) {
      if (err instanceof CommitRejected) await allPeersAt(peers, err.blockNumber);
      throw err;
    }
  };
}

/** Evaluates a read on the session's peer, or on a peer of one of `orgs`. */
export async function evaluate<T = unknown>(s: GatewaySession, name: string, args: readonly string[], orgs?: readonly string[]): Promise<T> {
  const proposal = s.contract.newProposal(name, { arguments: [...args], ...(orgs ? { endorsingOrganizations: [...orgs] } : {}) });
  return parse<T>(await proposal.evaluate());
}

/**
 * What a rejected call said: the gateway error's message plus every peer's detail (where the
 * chaincode's `CODE: detail` message is). Fails the test if the call succeeded.
 */
export async function rejection(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (err) {
    const e = err as { message?: string; details?: { message?: string }[] };
    return [e.message ?? String(err), ...(e.details ?? []).map((d) => d.message ?? '')].join(' | ');
  }
  throw new Error('expected the call to be rejected, but it succeeded');
}

/** Collects the chaincode events of the channel in the background, from the next block on. */
export class EventCollector {
  readonly events: ChaincodeEvent[] = [];
  readonly #stream: CloseableAsyncIterable<ChaincodeEvent>;
  readonly #done: Promise<void>;

  private constructor(stream: CloseableAsyncIterable<ChaincodeEvent>) {
    this.#stream = stream;
    this.#done = (async () => {
      try {
        for await (const ev of stream) this.events.push(ev);
      } catch {
        // closing the stream ends the iteration with a cancellation error
      }
    })();
  }

  /** Starts listening for `chaincode` events at `startBlock` (default: the next block). */
  static async start(s: GatewaySession, chaincode: string, startBlock?: bigint): Promise<EventCollector> {
    const stream = await s.network.getChaincodeEvents(chaincode, startBlock === undefined ? {} : { startBlock });
    return new EventCollector(stream);
  }

  /** Waits until an event of each transaction id has arrived (or the timeout passes). */
  async waitFor(txIds: readonly string[], timeoutMs = 30_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until && !txIds.every((id) => this.events.some((e) => e.transactionId === id))) {
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async close(): Promise<void> {
    this.#stream.close();
    await this.#done;
  }
}
