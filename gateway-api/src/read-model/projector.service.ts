import { ERROR_CODES } from '@waybill/chaincode/constants';
import type { JsonLogger } from '../common/logger';
import { BackgroundLoop } from '../common/background-loop';
import type { AssetSnapshots } from '../events/asset-snapshots';
import type { EventBus } from '../events/event-bus';
import { PROJECTION_CHECKPOINT, type EventStoreRepository } from '../events/event-store.repository';
import { ChaincodeError } from '../ledger/ledger.errors';
import type { LedgerPort } from '../ledger/ledger.port';
import type { MetricsService } from '../metrics/metrics.service';
import type { ProjectionRepository } from './projection.repository';

const BATCH = 200;
const PARALLEL_READS = 8;
const decoder = new TextDecoder();

/**
 * Keeps the asset read model up to date from the stored events. Payloads summarise a change, not
 * the whole asset: each event's assets take the value their key was given by the event's
 * transaction, as the event reader of this process saw it in the block ({@link AssetSnapshots}),
 * or else are read from the ledger (evaluate `getAsset`): the row then holds exactly the ledger's
 * JSON, as of the event or newer. Events are applied in batches; an asset touched several times
 * in a batch is taken once, as of its last event. The checkpoint moves with the rows, so a restart
 * repeats at most one batch, harmlessly.
 */
export class ProjectorService {
  /** Applies a batch, then at once the next when it was full; a failed batch is tried again in 1 s. */
  readonly #loop = new BackgroundLoop(async () => ((await this.step()) ? 0 : 5_000), {
    failureWaitMs: 1_000,
    wakeOn: (wake) => this.bus.subscribe(wake),
    onFailure: (err) =>
      this.logger.write('warn', 'read model update failed; retrying', {
        error: err instanceof Error ? err.message : String(err),
      }),
  });

  constructor(
    private readonly ledger: LedgerPort,
    private readonly store: EventStoreRepository,
    private readonly repo: ProjectionRepository,
    private readonly bus: EventBus,
    private readonly identity: string,
    private readonly logger: JsonLogger,
    private readonly metrics: MetricsService,
    private readonly snapshots?: AssetSnapshots,
  ) {}

  start(): void {
    this.#loop.start();
  }

  /** Stops after the batch in progress, waiting at most `graceMs` (a ledger read may hang). */
  stop(graceMs?: number): Promise<void> {
    return this.#loop.stop(graceMs);
  }

  /**
   * Applies the next batch of events. Exported for tests.
   * @returns whether a full batch was applied (more may be waiting).
   */
  async step(): Promise<boolean> {
    const position = (await this.store.checkpoint(PROJECTION_CHECKPOINT)) ?? 0;
    const events = await this.store.list({ afterSeq: position, limit: BATCH });
    if (events.length === 0) return false;
    const lastSeqOf = new Map<string, number>();
    for (const e of events) for (const id of e.assetIds) lastSeqOf.set(id, e.seq);
    const assets: { json: string; seq: number }[] = [];
    const removed: string[] = [];
    const ids: string[] = [];
    for (const [id, seq] of lastSeqOf) {
      const known = this.snapshots?.at(id, seq);
      if (known === undefined) ids.push(id);
      else if (known === null) removed.push(id);
      else assets.push({ json: known, seq });
    }
    for (let i = 0; i < ids.length; i += PARALLEL_READS) {
      const chunk = ids.slice(i, i + PARALLEL_READS);
      const read = await Promise.all(chunk.map((id) => this.#read(id)));
      chunk.forEach((id, j) => {
        const json = read[j];
        if (json === undefined) removed.push(id);
        else assets.push({ json, seq: lastSeqOf.get(id) ?? 0 });
      });
    }
    const last = events[events.length - 1]?.seq ?? position;
    await this.repo.apply(assets, removed, last);
    this.snapshots?.forgetThrough(last);
    this.metrics.projectionSeq.set(last);
    return events.length === BATCH;
  }

  async #read(assetId: string): Promise<string | undefined> {
    try {
      return decoder.decode(
        await this.ledger.evaluate({ identity: this.identity, transaction: 'getAsset', args: [assetId] }),
      );
    } catch (err) {
      if (err instanceof ChaincodeError && err.code === ERROR_CODES.ASSET_NOT_FOUND) return undefined;
      throw err;
    }
  }
}
