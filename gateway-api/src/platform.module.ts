import {
  type DynamicModule,
  Global,
  Inject,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { PeriodicJob } from './common/background-loop';
import { type JsonLogger, LOGGER } from './common/logger';
import { CONFIG, type GatewayConfig } from './config/config';
import { KeyRing } from './crypto/envelope-crypto';
import { DATABASE, type Database } from './database/database';
import { GatewayInstances, type GatewayInstancesOptions } from './database/gateway-instances';
import { LEADER_ELECTION, type LeaderElection } from './events/leader-election';
import { leaderElectionFor } from './events/leader-election-for';
import { LEDGER_CLOCK, type LedgerServiceClock } from './ledger/ledger.service';
import { LEDGER_PORT, type LedgerPort } from './ledger/ledger.port';
import { MetricsService } from './metrics/metrics.service';
import { type HttpPost, WEBHOOK_POST } from './webhooks/webhook-dispatcher';
import { DestinationPolicy, type Resolver } from './webhooks/destination';
import { newWebhookPost } from './webhooks/webhook-post';
import { SINK_PUBLISHER_FACTORY, type SinkPublisherFactory } from './sinks/sink-publisher';
import { newPublisher } from './sinks/sink-publishers';

/** What the application is built from. main.ts passes the real adapters, tests the fakes. */
export interface AppDependencies {
  readonly config: GatewayConfig;
  readonly ledger: LedgerPort;
  readonly database: Database;
  readonly logger: JsonLogger;
  readonly metrics: MetricsService;
  /** Randomness and waiting of write retries (tests make them instant). */
  readonly clock?: LedgerServiceClock;
  /** How webhooks are sent (tests capture them); default: to permitted destinations only. */
  readonly webhookPost?: HttpPost;
  /** How webhook destinations' names are resolved (default: the system resolver). */
  readonly webhookResolver?: Resolver;
  /** The buses of the event sinks (tests pass fakes); default: each sink's real client. */
  readonly sinkPublishers?: SinkPublisherFactory;
  /** Who does the event work (default: PostgreSQL advisory lock, or always this process on SQLite). */
  readonly leaderElection?: LeaderElection;
  /** The built console to serve under /console (default: console/dist of this checkout). */
  readonly consoleAssetsDir?: string;
  /** The key ring of the KEK (main.ts passes the one its key check and KEK rotation use). */
  readonly keyRing?: KeyRing;
  /** Heartbeat and death of gateway processes (tests shorten them). */
  readonly instances?: GatewayInstancesOptions;
}

/**
 * The process-wide parts every feature may inject: configuration, ledger port, database, logger,
 * metrics, the key ring of the KEK, and the test seams.
 *
 * Start: registers this process in `gateway_instances` and keeps beating, so that the work a
 * killed process left unfinished can be told from work in progress (see {@link GatewayInstances}).
 * Stop: last of all, once the HTTP server has drained in-flight requests (and every feature has
 * stopped its jobs before that), says this process left, closes the ledger connections, then the
 * database.
 */
@Global()
@Module({})
export class PlatformModule implements OnApplicationBootstrap, OnApplicationShutdown {
  static forRoot(deps: AppDependencies): DynamicModule {
    const { config } = deps;
    const destinations = new DestinationPolicy(config.events.webhooks.allowedNetworks, deps.webhookResolver);
    const providers = [
      { provide: DestinationPolicy, useValue: destinations },
      { provide: CONFIG, useValue: config },
      { provide: LEDGER_PORT, useValue: deps.ledger },
      { provide: DATABASE, useValue: deps.database },
      { provide: LOGGER, useValue: deps.logger },
      { provide: MetricsService, useValue: deps.metrics },
      {
        provide: KeyRing,
        useValue: deps.keyRing ?? new KeyRing(config.personalData.kek, config.personalData.previousKeks),
      },
      { provide: LEDGER_CLOCK, useValue: deps.clock ?? null },
      {
        provide: WEBHOOK_POST,
        useValue: deps.webhookPost ?? newWebhookPost(destinations),
      },
      { provide: SINK_PUBLISHER_FACTORY, useValue: deps.sinkPublishers ?? newPublisher },
      { provide: GatewayInstances, useValue: new GatewayInstances(deps.database, deps.instances) },
      {
        provide: LEADER_ELECTION,
        useValue: deps.leaderElection ?? leaderElectionFor(deps.database, config, deps.logger),
      },
    ];
    return { module: PlatformModule, providers, exports: providers.map((p) => p.provide) };
  }

  readonly #heartbeat: PeriodicJob;

  constructor(
    @Inject(LEDGER_PORT) private readonly ledger: LedgerPort,
    @Inject(DATABASE) private readonly database: Database,
    @Inject(GatewayInstances) private readonly instances: GatewayInstances,
    @Inject(LOGGER) logger: JsonLogger,
  ) {
    this.#heartbeat = new PeriodicJob(
      { name: 'gateway heartbeat', everyMs: instances.options.heartbeatMs, logger },
      () => instances.heartbeat(),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.instances.heartbeat();
    this.#heartbeat.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.#heartbeat.stop();
    await this.instances.leave().catch(() => undefined);
    await this.ledger.close();
    await this.database.close();
  }
}
