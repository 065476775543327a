import { Inject, Module } from '@nestjs/common';
import type { SinkConfig } from '../config/sinks-config';
import { EventBus } from '../events/event-bus';
import { EventLeadership } from '../events/event-leadership';
import { eventWorkers, integrationProviders } from '../events/event-workers';
import { EventsModule } from '../events/events.module';
import { EventBridgePublisher } from './eventbridge.publisher';
import { KafkaPublisher } from './kafka.publisher';
import { NatsPublisher } from './nats.publisher';
import type { SinkPublisher } from './sink-publisher';
import { SinkWorker } from './sink-worker';
import { SinksController } from './sinks.controller';
import { SinksService } from './sinks.service';

/** Injection token of the configured sinks' workers. */
export const SINK_WORKERS = Symbol('SINK_WORKERS');

/** The publisher of a configured sink. */
export function newPublisher(config: SinkConfig): SinkPublisher {
  switch (config.kind) {
    case 'kafka':
      return new KafkaPublisher(config);
    case 'nats':
      return new NatsPublisher(config);
    case 'eventbridge':
      return new EventBridgePublisher(config);
  }
}

/**
 * Event sinks (`WAYBILL_SINKS`): one worker per sink, each with its own durable position. Publishing
 * is event work: it runs while this process is the event leader (started and stopped by the event
 * leadership), like webhook delivery.
 */
@Module({
  imports: [EventsModule],
  controllers: [SinksController],
  providers: integrationProviders(
    SINK_WORKERS,
    ({ config: c, events, repo, logger, metrics }): SinkWorker[] =>
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
              origin: {
                network: c.events.network,
                channel: c.profile.channel,
                chaincode: c.profile.chaincode,
              },
            },
            logger,
            metrics,
          ),
      ),
    SinksService,
  ),
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
