import { ERROR_CODES, EVENTS } from '@waybill/chaincode/constants';
import { BackgroundLoop } from '../common/background-loop';
import type { AuthenticatedClient } from '../common/client';
import type { JsonLogger } from '../common/logger';
import type { EventBus } from '../events/event-bus';
import type { EventStoreRepository } from '../events/event-store.repository';
import type { StoredEvent } from '../events/event.types';
import { ChaincodeError } from '../ledger/ledger.errors';
import type { AssetsService } from './assets.service';

/** Its position in `event_checkpoints`: the last `SaleCancelled` event looked at. */
export const TERMS_PURGE_CHECKPOINT = 'terms-purge';
const PAGE = 100;

/** The answer of `purgeTerms`. */
interface TermsPurge {
  readonly assetId: string;
  readonly saleId: string;
  readonly org: string;
}

/** What a cancelled sale's event says about the buyer's side of the terms. */
interface CancelledSale {
  readonly assetId: string;
  readonly saleId: string;
  readonly buyer: string;
  readonly buyerPurged: boolean;
}

/**
 * The buyer's half of withdrawing a sale. The seller cancels a sale alone (the buyer's cooperation
 * is never needed), which purges only the seller's private terms: the buyer's terms sit in the
 * buyer's implicit collection, which only the buyer's peer may write. So the buyer's gateway
 * watches for `SaleCancelled` events naming its organisation as buyer and submits `purgeTerms` on
 * its own peer. It is event work (one process per database does it) with a durable position, and it
 * runs again after a failure: a purge is idempotent (`TERMS_MISSING` once done, or when the buyer
 * never agreed terms).
 */
export class TermsPurger {
  readonly #loop = new BackgroundLoop(async () => ((await this.step()) ? 0 : 5_000), {
    failureWaitMs: 2_000,
    wakeOn: (wake) => this.bus.subscribe(wake),
    onFailure: (err) =>
      this.logger.write('warn', 'sale terms purge failed; retrying', {
        error: err instanceof Error ? err.message : String(err),
      }),
  });

  constructor(
    private readonly events: EventStoreRepository,
    private readonly assets: AssetsService,
    private readonly bus: EventBus,
    private readonly client: AuthenticatedClient,
    private readonly logger: JsonLogger,
  ) {}

  start(): void {
    this.#loop.start();
  }

  stop(graceMs?: number): Promise<void> {
    return this.#loop.stop(graceMs);
  }

  /**
   * Handles the next page of cancelled sales and moves the position past each one handled.
   * Exported for tests. A ledger failure other than a definite refusal throws, so the event is
   * tried again later.
   * @returns whether a full page was handled (more may be waiting).
   */
  async step(): Promise<boolean> {
    const position = (await this.events.checkpoint(TERMS_PURGE_CHECKPOINT)) ?? 0;
    const upto = await this.events.maxSeq();
    if (upto <= position) return false;
    const page = await this.events.list({
      afterSeq: position,
      uptoSeq: upto,
      names: [EVENTS.SALE_CANCELLED],
      limit: PAGE,
    });
    for (const event of page) {
      await this.#handle(event);
      await this.events.setCheckpoint(TERMS_PURGE_CHECKPOINT, event.seq);
    }
    if (page.length < PAGE) {
      // Nothing else matched up to the snapshot bound.
      await this.events.setCheckpoint(TERMS_PURGE_CHECKPOINT, upto);
      return false;
    }
    return true;
  }

  async #handle(event: StoredEvent): Promise<void> {
    const sale = cancelledSale(event);
    if (sale === undefined || sale.buyer !== this.client.mspId || sale.buyerPurged) return;
    try {
      const outcome = await this.assets.submitOnAsset<TermsPurge>(
        this.client,
        'purgeTerms',
        sale.assetId,
        [sale.saleId],
        'sync',
      );
      this.logger.write('info', 'sale terms purged', {
        assetId: sale.assetId,
        saleId: sale.saleId,
        txId: outcome.txId,
      });
    } catch (err) {
      // Definite answers: nothing (left) to purge, or this identity may not (a retry cannot help).
      if (err instanceof ChaincodeError && err.code === ERROR_CODES.TERMS_MISSING) return;
      if (err instanceof ChaincodeError && err.code === ERROR_CODES.FORBIDDEN) {
        this.logger.write('warn', 'sale terms purge refused', {
          assetId: sale.assetId,
          saleId: sale.saleId,
          error: err.message,
        });
        return;
      }
      throw err;
    }
  }
}

function cancelledSale(event: StoredEvent): CancelledSale | undefined {
  let payload: unknown;
  try {
    payload = JSON.parse(event.payload);
  } catch {
    return undefined;
  }
  if (typeof payload !== 'object' || payload === null) return undefined;
  const p = payload as Record<string, unknown>;
  const purged = p.termsPurged as Record<string, unknown> | undefined;
  const assetId = event.assetIds[0];
  if (assetId === undefined || typeof p.saleId !== 'string' || typeof p.buyer !== 'string') return undefined;
  return { assetId, saleId: p.saleId, buyer: p.buyer, buyerPurged: purged?.buyer === true };
}
