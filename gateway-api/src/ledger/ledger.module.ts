import {
  type BeforeApplicationShutdown,
  Global,
  Inject,
  Module,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { PeriodicJob } from '../common/background-loop';
import { type JsonLogger, LOGGER } from '../common/logger';
import { CONFIG, type GatewayConfig } from '../config/config';
import { DATABASE, type Database } from '../database/database';
import { GatewayInstances } from '../database/gateway-instances';
import { MetricsService } from '../metrics/metrics.service';
import { LEDGER_CLOCK, LedgerService, type LedgerServiceClock } from './ledger.service';
import { LEDGER_PORT, type LedgerPort } from './ledger.port';
import { BlockWaiter, MinBlockInterceptor } from './min-block';
import { SubmittedTransactionsRepository } from './submitted-transactions.repository';

const PURGE_INTERVAL_MS = 10 * 60 * 1000;
const SUBMITTED_RETENTION_MS = 7 * 24 * 3600 * 1000;

/**
 * The services' way to the ledger ({@link LedgerService}) over the ledger port, the record of
 * transactions submitted asynchronously, and `X-Min-Block` on reads ({@link MinBlockInterceptor}). The port itself (and its closing) belongs to the root.
 *
 * Start: schedules the purge of old submission records. Stop: unschedules it.
 */
@Global()
@Module({
  providers: [
    {
      provide: SubmittedTransactionsRepository,
      useFactory: (db: Database) => new SubmittedTransactionsRepository(db),
      inject: [DATABASE],
    },
    {
      provide: LedgerService,
      useFactory: (
        c: GatewayConfig,
        p: LedgerPort,
        m: MetricsService,
        s: SubmittedTransactionsRepository,
        clock: LedgerServiceClock | null,
      ) => new LedgerService(p, m, c.retry, s, clock ?? undefined),
      inject: [CONFIG, LEDGER_PORT, MetricsService, SubmittedTransactionsRepository, LEDGER_CLOCK],
    },
    {
      provide: BlockWaiter,
      useFactory: (p: LedgerPort) => new BlockWaiter(async (identity) => Number(await p.chainHeight(identity))),
      inject: [LEDGER_PORT],
    },
    {
      provide: APP_INTERCEPTOR,
      useFactory: (c: GatewayConfig, w: BlockWaiter) => new MinBlockInterceptor(w, c.ledger.minBlockWaitMs),
      inject: [CONFIG, BlockWaiter],
    },
  ],
  exports: [LedgerService, SubmittedTransactionsRepository],
})
export class LedgerModule implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly #purge: PeriodicJob;

  constructor(
    @Inject(SubmittedTransactionsRepository) submitted: SubmittedTransactionsRepository,
    @Inject(GatewayInstances) instances: GatewayInstances,
    @Inject(LOGGER) logger: JsonLogger,
  ) {
    this.#purge = new PeriodicJob({ name: 'purge', everyMs: PURGE_INTERVAL_MS, logger }, async () => {
      const txs = await submitted.purgeOlderThan(SUBMITTED_RETENTION_MS);
      // A process silent this long left no work that is not settled by now (the settler and
      // idempotency treat unknown owners as dead anyway).
      const gone = await instances.purge(SUBMITTED_RETENTION_MS);
      logger.write('debug', 'purged expired records', { submittedTransactions: txs, gatewayInstances: gone });
    });
  }

  onApplicationBootstrap(): void {
    this.#purge.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.#purge.stop();
  }
}
