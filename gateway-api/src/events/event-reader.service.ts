import type { JsonLogger } from '../common/logger';
import type { LedgerPort, LedgerStream, LedgerBlock } from '../ledger/ledger.port';
import type { MetricsService } from '../metrics/metrics.service';
import { backoffDelay } from '../common/backoff';
import { BackgroundLoop, type LoopRun } from '../common/background-loop';
import type { EventBus } from './event-bus';
import { LEDGER_KEY_TYPES, compositeKey } from '@waybill/chaincode/constants';
import type { AssetSnapshots } from './asset-snapshots';
import { READER_CHECKPOINT, type EventStoreRepository, type NetworkEpoch } from './event-store.repository';
import type { StoredEvent } from './event.types';

/** Options of {@link EventReaderService}. */
export interface EventReaderOptions {
  /** Identity id the block stream is opened as. */
  readonly identity: string;
  /** Chaincode whose events are kept. */
  readonly chaincode: string;
  /** First block when there is no checkpoint. */
  readonly startBlock: number;
  readonly reconnectBaseDelayMs: number;
  readonly reconnectMaxDelayMs: number;
}

/** What the reader is doing, for /health and the read-model status. */
export interface EventReaderStatus {
  readonly connected: boolean;
  /** Last block whose events are stored (undefined before the first). */
  readonly checkpointBlock: number | undefined;
  readonly reconnects: number;
  readonly lastError: string | undefined;
  /** The network followed (known once the reader has connected). */
  readonly network: NetworkEpoch | undefined;
}

/**
 * Follows the channel's blocks from the durable checkpoint and stores their chaincode events.
 *
 * Why blocks and not the chaincode-event stream: a block is the unit Fabric commits, so storing a
 * block's events together with "this block is done" makes the checkpoint exact (a crash repeats a
 * whole block or nothing), and the checkpoint advances over blocks without Waybill events (config
 * blocks, invalid transactions) so the read model's lag is measured against the real height.
 *
 * When the stream fails (peer down, network) it reconnects on its own after an exponential backoff
 * with jitter, from the checkpoint, to the next peer of the organisation if the first is down.
 */
export class EventReaderService {
  readonly #loop = new BackgroundLoop((run) => this.#follow(run), {
    // A stream being opened to an unreachable peer only gives up at its deadline, and closing the
    // ledger afterwards cancels it anyway: stop does not wait for it beyond the grace period.
    interrupt: () => this.#stream?.close(),
  });
  #stream: LedgerStream<LedgerBlock> | undefined;
  #connected = false;
  #checkpoint: number | undefined;
  #reconnects = 0;
  #failures = 0;
  #lastError: string | undefined;
  /** Set once this process has checked which network it follows (the profile cannot change under it). */
  #network: NetworkEpoch | undefined;

  constructor(
    private readonly ledger: LedgerPort,
    private readonly store: EventStoreRepository,
    private readonly bus: EventBus,
    private readonly options: Readonly<EventReaderOptions>,
    private readonly logger: JsonLogger,
    private readonly metrics: MetricsService,
    /** Where the assets' new values go for this process's projector (see {@link AssetSnapshots}). */
    private readonly snapshots?: AssetSnapshots,
  ) {}

  start(): void {
    if (!this.#loop.running) this.#failures = 0;
    this.#loop.start();
  }

  /** Stops reading, waiting at most `graceMs` for the stream in progress. */
  stop(graceMs?: number): Promise<void> {
    return this.#loop.stop(graceMs);
  }

  status(): EventReaderStatus {
    return {
      connected: this.#connected,
      checkpointBlock: this.#checkpoint,
      reconnects: this.#reconnects,
      lastError: this.#lastError,
      network: this.#network,
    };
  }

  /**
   * Which network the profile points at (channel and genesis block): the same as last time, the
   * first one, or another (a migration): then the store switches in one transaction (docs/migration.md).
   */
  async #enterNetwork(): Promise<NetworkEpoch> {
    const identity = await this.ledger.networkIdentity(this.options.identity);
    const entry = await this.store.enterNetwork(identity);
    if (entry.kind === 'switched') {
      this.logger.write('warn', 'the ledger network changed: switched to it', {
        epoch: entry.network.epoch,
        fromChannel: entry.from.channel,
        fromGenesisBlockHash: entry.from.genesisBlockHash,
        channel: identity.channel,
        genesisBlockHash: identity.genesisBlockHash,
        eventId: entry.event.id,
      });
      this.metrics.eventsStored.inc();
      this.bus.notify();
    } else if (entry.kind === 'adopted') {
      this.logger.write('info', 'following the ledger network', {
        epoch: 1,
        channel: identity.channel,
        genesisBlockHash: identity.genesisBlockHash,
      });
    }
    return entry.network;
  }

  /** Hands the values the stored events' transactions wrote to their assets' keys to the projector. */
  #snapshot(block: LedgerBlock, stored: readonly StoredEvent[]): void {
    if (!this.snapshots) return;
    const byTx = new Map(block.transactions.map((t) => [t.txId, t]));
    const decoder = new TextDecoder();
    for (const e of stored) {
      const written = byTx.get(e.txId)?.chaincodeEvents.find((c) => c.name === e.name)?.written;
      if (!written) continue;
      for (const id of e.assetIds) {
        const value = written.get(compositeKey(LEDGER_KEY_TYPES.ASSET, [id]));
        if (value !== undefined) this.snapshots.record(id, e.seq, value === null ? null : decoder.decode(value));
      }
    }
  }

  /** One connection: follows the stream from the checkpoint until it fails; returns the backoff. */
  async #follow(run: LoopRun): Promise<number> {
    let stream: LedgerStream<LedgerBlock> | undefined;
    try {
      this.#network ??= await this.#enterNetwork();
      this.#checkpoint = await this.store.checkpoint(READER_CHECKPOINT);
      const start = this.#checkpoint === undefined ? this.options.startBlock : this.#checkpoint + 1;
      stream = await this.ledger.blocks(this.options.identity, BigInt(start));
      if (!run.active()) return 0;
      this.#stream = stream;
      this.#connected = true;
      this.logger.write('info', 'event reader connected', { fromBlock: start });
      for await (const block of stream) {
        if (!run.active()) return 0;
        const stored = await this.store.appendBlock(block, this.options.chaincode);
        this.#checkpoint = Number(block.number);
        this.#failures = 0;
        this.metrics.eventsBlock.set(this.#checkpoint);
        if (stored.length > 0) {
          this.#snapshot(block, stored);
          this.metrics.eventsStored.inc(stored.length);
          this.bus.notify();
        }
      }
      if (run.active()) throw new Error('the block stream ended');
      return 0;
    } catch (err) {
      if (!run.active()) return 0;
      this.#failures += 1;
      this.#reconnects += 1;
      this.#lastError = err instanceof Error ? err.message : String(err);
      const delay = backoffDelay(
        this.#failures,
        this.options.reconnectBaseDelayMs,
        this.options.reconnectMaxDelayMs,
      );
      this.metrics.eventsReconnects.inc();
      this.logger.write('warn', 'event reader disconnected; reconnecting', {
        error: this.#lastError,
        attempt: this.#failures,
        delayMs: delay,
        checkpointBlock: this.#checkpoint,
      });
      return delay;
    } finally {
      stream?.close();
      if (this.#stream === stream) {
        this.#connected = false;
        this.#stream = undefined;
      }
    }
  }
}
