import { type BeforeApplicationShutdown, Inject, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { type JsonLogger, LOGGER } from '../common/logger';
import { CONFIG, type GatewayConfig } from '../config/config';
import { LEDGER_PORT, type LedgerPort } from '../ledger/ledger.port';
import { MetricsService } from '../metrics/metrics.service';
import { AssetSnapshots } from './asset-snapshots';
import { EventBus } from './event-bus';
import { EventLeadership } from './event-leadership';
import { EventReaderService } from './event-reader.service';
import { EventStoreWatcher } from './event-store-watcher';
import { EventStoreRepository } from './event-store.repository';
import { EventStreamService } from './event-stream.service';
import { EventsController } from './events.controller';
import { LEADER_ELECTION, type LeaderElection } from './leader-election';

/** How often a process that is not the event leader looks for events another process stored. */
const FOLLOWER_POLL_MS = 1_000;

/**
 * The event store, its SSE stream, and the event leadership: the reader (and the work other
 * features register) runs while this process leads its database.
 *
 * Start: campaigns once every module has registered its work. Stop (before the HTTP server
 * drains): ends the open streams, stops the work, then gives leadership up.
 */
@Module({
  controllers: [EventsController],
  providers: [
    EventBus,
    EventStoreRepository,
    EventStreamService,
    {
      provide: EventStoreWatcher,
      useFactory: (store: EventStoreRepository, bus: EventBus) =>
        new EventStoreWatcher(store, bus, FOLLOWER_POLL_MS),
      inject: [EventStoreRepository, EventBus],
    },
    {
      provide: EventLeadership,
      useFactory: (e: LeaderElection, w: EventStoreWatcher, l: JsonLogger, m: MetricsService) =>
        new EventLeadership(e, w, l, m),
      inject: [LEADER_ELECTION, EventStoreWatcher, LOGGER, MetricsService],
    },
    {
      provide: EventReaderService,
      useFactory: (
        c: GatewayConfig,
        p: LedgerPort,
        s: EventStoreRepository,
        b: EventBus,
        l: JsonLogger,
        m: MetricsService,
        a: AssetSnapshots,
      ) =>
        new EventReaderService(
          p,
          s,
          b,
          {
            identity: c.events.identity,
            chaincode: c.profile.chaincode,
            startBlock: c.events.startBlock,
            reconnectBaseDelayMs: 250,
            reconnectMaxDelayMs: c.events.reconnectMaxDelayMs,
          },
          l,
          m,
          a,
        ),
      inject: [CONFIG, LEDGER_PORT, EventStoreRepository, EventBus, LOGGER, MetricsService, AssetSnapshots],
    },
    { provide: AssetSnapshots, useFactory: () => new AssetSnapshots() },
  ],
  exports: [EventBus, EventStoreRepository, EventLeadership, AssetSnapshots],
})
export class EventsModule implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    @Inject(CONFIG) private readonly config: GatewayConfig,
    @Inject(EventLeadership) private readonly leadership: EventLeadership,
    @Inject(EventReaderService) reader: EventReaderService,
    @Inject(EventStreamService) private readonly streams: EventStreamService,
  ) {
    leadership.register({ name: 'event reader', start: () => reader.start(), stop: () => reader.stop() });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.streams.start();
    if (this.config.events.enabled) await this.leadership.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    // Event streams never end on their own: end them so the HTTP server can drain.
    await this.streams.closeAll();
    await this.leadership.stop();
  }
}
