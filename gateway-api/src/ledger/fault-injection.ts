import type {
  EvaluateRequest,
  EventStart,
  LedgerBlock,
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

/**
 * The crash tests' fault hook (`WAYBILL_TEST_FAULT=kill-after-submit:<transaction>`, only with
 * `NODE_ENV=test`, see config.ts): a synchronous submit of `transaction` is endorsed and handed to
 * the orderer, then the process SIGKILLs itself before it learns the commit. Everything else goes
 * straight to the wrapped port.
 */
export class KillAfterSubmitLedger implements LedgerPort {
  readonly adapter: string;

  constructor(
    private readonly inner: LedgerPort,
    private readonly transaction: string,
    private readonly kill: () => void = () => process.kill(process.pid, 'SIGKILL'),
  ) {
    this.adapter = inner.adapter;
  }

  evaluate(request: EvaluateRequest): Promise<Uint8Array> {
    return this.inner.evaluate(request);
  }

  async submit(request: SubmitRequest): Promise<SubmitResult> {
    if (request.transaction !== this.transaction) return this.inner.submit(request);
    await this.inner.submitAsync(request);
    this.kill();
    return new Promise<never>(() => undefined);
  }

  submitAsync(request: SubmitRequest): Promise<SubmittedTransaction> {
    return this.inner.submitAsync(request);
  }

  getTransactionStatus(identity: string, txId: string, waitMs: number): Promise<TransactionStatus> {
    return this.inner.getTransactionStatus(identity, txId, waitMs);
  }

  chaincodeEvents(identity: string, start?: EventStart): Promise<LedgerStream<LedgerChaincodeEvent>> {
    return this.inner.chaincodeEvents(identity, start);
  }

  blocks(identity: string, startBlock?: bigint): Promise<LedgerStream<LedgerBlock>> {
    return this.inner.blocks(identity, startBlock);
  }

  chainHeight(identity: string): Promise<bigint> {
    return this.inner.chainHeight(identity);
  }

  peerStates(identity: string): Promise<readonly LedgerPeerState[]> {
    return this.inner.peerStates(identity);
  }

  orderingService(identity: string): Promise<LedgerOrderingService> {
    return this.inner.orderingService(identity);
  }

  networkIdentity(identity: string): Promise<NetworkIdentity> {
    return this.inner.networkIdentity(identity);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
