import { type DynamicModule, Module } from '@nestjs/common';
import { AssetsModule } from './assets/assets.module';
import { AuthModule } from './auth/auth.module';
import { ConsoleModule } from './console/console.module';
import { EventsModule } from './events/events.module';
import { FunctionsModule } from './functions/functions.module';
import { HealthModule } from './health/health.module';
import { HttpModule } from './http/http.module';
import { IdempotencyModule } from './idempotency/idempotency.module';
import { LedgerModule } from './ledger/ledger.module';
import { MetricsModule } from './metrics/metrics.module';
import { PersonalDataModule } from './personal-data/personal-data.module';
import { type AppDependencies, PlatformModule } from './platform.module';
import { ReadModelModule } from './read-model/read-model.module';
import { SinksModule } from './sinks/sinks.module';
import { TransactionsModule } from './transactions/transactions.module';
import { WebhooksModule } from './webhooks/webhooks.module';

export type { AppDependencies };

/**
 * The gateway application: the platform (config, ledger port, database, logger, metrics) and one
 * module per feature, each owning its providers and its background jobs.
 *
 * Start (`onApplicationBootstrap`): each module starts its own jobs. Stop (`app.close()`): every
 * module's `beforeApplicationShutdown` stops its jobs (health reports not ready, event streams
 * end, the event work stops before leadership is given up), then the HTTP server drains, then
 * the platform closes the ledger and the database (`onApplicationShutdown`).
 */
@Module({})
export class AppModule {
  static forRoot(deps: AppDependencies): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot(deps),
        HttpModule,
        IdempotencyModule,
        LedgerModule,
        AuthModule,
        HealthModule,
        MetricsModule,
        EventsModule,
        ReadModelModule,
        AssetsModule,
        PersonalDataModule,
        WebhooksModule,
        SinksModule,
        FunctionsModule,
        TransactionsModule,
        ConsoleModule,
      ],
    };
  }
}
