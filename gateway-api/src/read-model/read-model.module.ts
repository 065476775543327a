import { Inject, Module } from '@nestjs/common';
import { type JsonLogger, LOGGER } from '../common/logger';
import { CONFIG, type GatewayConfig } from '../config/config';
import { AssetSnapshots } from '../events/asset-snapshots';
import { EventBus } from '../events/event-bus';
import { EventLeadership } from '../events/event-leadership';
import { EventStoreRepository } from '../events/event-store.repository';
import { EventsModule } from '../events/events.module';
import { LEDGER_PORT, type LedgerPort } from '../ledger/ledger.port';
import { MetricsService } from '../metrics/metrics.service';
import { ProjectionRepository } from './projection.repository';
import { ProjectorService } from './projector.service';
import { ReadModelController } from './read-model.controller';
import { ReadModelService } from './read-model.service';

/**
 * The asset read model: the projector (event work: it runs while this process is the event leader)
 * and the queries and reconciliation over it.
 */
@Module({
  imports: [EventsModule],
  controllers: [ReadModelController],
  providers: [
    ProjectionRepository,
    {
      provide: ProjectorService,
      useFactory: (
        c: GatewayConfig,
        p: LedgerPort,
        s: EventStoreRepository,
        r: ProjectionRepository,
        b: EventBus,
        l: JsonLogger,
        m: MetricsService,
        a: AssetSnapshots,
      ) => new ProjectorService(p, s, r, b, c.events.identity, l, m, a),
      inject: [
        CONFIG,
        LEDGER_PORT,
        EventStoreRepository,
        ProjectionRepository,
        EventBus,
        LOGGER,
        MetricsService,
        AssetSnapshots,
      ],
    },
    {
      provide: ReadModelService,
      useFactory: (c: GatewayConfig, p: LedgerPort, s: EventStoreRepository, r: ProjectionRepository) =>
        new ReadModelService(p, s, r, c.events.identity),
      inject: [CONFIG, LEDGER_PORT, EventStoreRepository, ProjectionRepository],
    },
  ],
  exports: [ReadModelService],
})
export class ReadModelModule {
  constructor(
    @Inject(EventLeadership) leadership: EventLeadership,
    @Inject(ProjectorService) projector: ProjectorService,
  ) {
    leadership.register({ name: 'read model', start: () => projector.start(), stop: () => projector.stop() });
  }
}
