import { Inject, Module } from '@nestjs/common';
import { type JsonLogger, LOGGER } from '../common/logger';
import { CONFIG, type GatewayConfig } from '../config/config';
import type { EventOrigin } from '../events/cloud-event';
import { EventBus } from '../events/event-bus';
import { EventLeadership } from '../events/event-leadership';
import { EventStoreRepository } from '../events/event-store.repository';
import { eventWorkers } from '../events/event-workers';
import { EventsModule } from '../events/events.module';
import { IntegrationRepository } from '../events/integration.repository';
import { MetricsService } from '../metrics/metrics.service';
import { SINK_PUBLISHER_FACTORY, type SinkPublisherFactory } from './sink-publisher';
import { SinkWorker } from './sink-worker';
import { SinksController } from './sinks.controller';
import { SinksService } from './sinks.service';

/** Injection token of the configured sinks' workers. */
export const SINK_WORKERS = Symbol('SINK_WORKERS');

/** Where the sinks' CloudEvents say they come from. */
function originOf(c: GatewayConfig): EventOrigin {
  return { network: c.events.network, channel: c.profile.channel, chaincode: c.profile.chaincode };
}

/**
 * Event sinks (`WAYBILL_SINKS`): one worker per sink, each with its own durable position. Publishing
 * is event work: it runs while this process is the event leader (started and stopped by the event
 * leadership), like webhook delivery.
 */
@Module({
  imports: [EventsModule],
  controllers: [SinksController],
  providers: [
    IntegrationRepository,
    {
      provide: SINK_WORKERS,
      useFactory: (
        c: GatewayConfig,
        events: EventStoreRepository,
        repo: IntegrationRepository,
        logger: JsonLogger,
        metrics: MetricsService,
        newPublisher: SinkPublisherFactory,
      ): SinkWorker[] =>
        c.events.sinks.list.map(
          (s) =>
            new SinkWorker(
              s,
              newPublisher(s),
              events,
              repo,
              {
                maxAttempts: c.events.sinks.maxAttempts,
                retryBaseDelayMs: c.events.sinks.retryBaseDelayMs,
                retryMaxDelayMs: c.events.sinks.retryMaxDelayMs,
                batchSize: c.events.sinks.batchSize,
                origin: originOf(c),
              },
              logger,
              metrics,
            ),
        ),
      inject: [
        CONFIG,
        EventStoreRepository,
        IntegrationRepository,
        LOGGER,
        MetricsService,
        SINK_PUBLISHER_FACTORY,
      ],
    },
    {
      provide: SinksService,
      useFactory: (
        workers: SinkWorker[],
        repo: IntegrationRepository,
        c: GatewayConfig,
        events: EventStoreRepository,
        logger: JsonLogger,
        newPublisher: SinkPublisherFactory,
      ) => new SinksService(workers, repo, { events, newPublisher, origin: originOf(c), logger }),
      inject: [
        SINK_WORKERS,
        IntegrationRepository,
        CONFIG,
        EventStoreRepository,
        LOGGER,
        SINK_PUBLISHER_FACTORY,
      ],
    },
  ],
})
export class SinksModule {
  constructor(
    @Inject(EventLeadership) leadership: EventLeadership,
    @Inject(EventBus) bus: EventBus,
    @Inject(SINK_WORKERS) workers: SinkWorker[],
  ) {
    if (workers.length === 0) return;
    leadership.register(eventWorkers('event sinks', bus, workers));
  }
}
