import { type BeforeApplicationShutdown, Inject, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_INTERCEPTOR, Reflector } from '@nestjs/core';
import { hkdfSync } from 'node:crypto';
import { PeriodicJob } from '../common/background-loop';
import { type JsonLogger, LOGGER } from '../common/logger';
import { CONFIG, commitWindowMs, type GatewayConfig, writeBoundMs } from '../config/config';
import { DATABASE, type Database } from '../database/database';
import { GatewayInstances } from '../database/gateway-instances';
import { LedgerService } from '../ledger/ledger.service';
import { MetricsService } from '../metrics/metrics.service';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IdempotencyStore } from './idempotency.store';

const PURGE_INTERVAL_MS = 10 * 60 * 1000;

/**
 * `Idempotency-Key` on every POST (the interceptor), and the purge of expired keys.
 *
 * Start: schedules the purge. Stop: unschedules it and waits for a purge in progress.
 */
@Module({
  providers: [
    {
      provide: IdempotencyStore,
      useFactory: (c: GatewayConfig, db: Database, instances: GatewayInstances) =>
        new IdempotencyStore(db, {
          ttlMs: c.idempotency.ttlSeconds * 1000,
          staleAfterMs: writeBoundMs(c),
          ownerAlive: (owner) => instances.alive(owner),
        }),
      inject: [CONFIG, DATABASE, GatewayInstances],
    },
    {
      provide: APP_INTERCEPTOR,
      useFactory: (
        c: GatewayConfig,
        r: Reflector,
        s: IdempotencyStore,
        m: MetricsService,
        l: JsonLogger,
        instances: GatewayInstances,
        ledger: LedgerService,
      ) =>
        new IdempotencyInterceptor(r, s, m, l, idempotencyHashKey(c), {
          owner: instances.id,
          status: (client, txId) =>
            ledger.transactionStatus(client, txId, Math.min(c.ledger.timeouts.commitStatusMs, 5_000)),
          commitWindowMs: commitWindowMs(c),
        }),
      inject: [CONFIG, Reflector, IdempotencyStore, MetricsService, LOGGER, GatewayInstances, LedgerService],
    },
  ],
})
export class IdempotencyModule implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly #purge: PeriodicJob;

  constructor(@Inject(IdempotencyStore) store: IdempotencyStore, @Inject(LOGGER) logger: JsonLogger) {
    this.#purge = new PeriodicJob({ name: 'purge', everyMs: PURGE_INTERVAL_MS, logger }, async () => {
      logger.write('debug', 'purged expired records', { idempotencyKeys: await store.purgeExpired() });
    });
  }

  onApplicationBootstrap(): void {
    this.#purge.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.#purge.stop();
  }
}

// Derived from the KEK so no new secret is needed; after a KEK rotation, repeats of requests sent
// before it get IDEMPOTENCY_KEY_REUSED rather than a replay (the window is the idempotency TTL).
function idempotencyHashKey(config: GatewayConfig): Buffer {
  return Buffer.from(
    hkdfSync('sha256', config.personalData.kek, Buffer.alloc(0), 'waybill:idempotency-request-hash', 32),
  );
}
