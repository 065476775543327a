import {
  type BeforeApplicationShutdown,
  type DynamicModule,
  Inject,
  Injectable,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  ValidationPipe,
} from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE, Reflector } from '@nestjs/core';
import * as classTransformer from 'class-transformer';
import * as classValidator from 'class-validator';
import type { ValidationError } from 'class-validator';
import { AdminController } from './admin/admin.controller';
import { AssetsController, RecallsController } from './assets/assets.controller';
import { AssetsService } from './assets/assets.service';
import { ApiKeyGuard } from './auth/api-key.guard';
import { ApiKeyRepository } from './auth/api-key.repository';
import { ApiKeysService } from './auth/api-keys.service';
import { RateLimiter } from './auth/rate-limiter';
import { JsonLogger, LOGGER } from './common/logger';
import { ProblemFilter } from './common/problem.filter';
import { type FieldError, ProblemException } from './common/problems';
import type { GatewayConfig } from './config/config';
import { DATABASE, type Database } from './database/database';
import { HealthController } from './health/health.controller';
import { HealthService } from './health/health.service';
import { IdempotencyInterceptor } from './idempotency/idempotency.interceptor';
import { IdempotencyStore } from './idempotency/idempotency.store';
import { LEDGER_PORT, type LedgerPort } from './ledger/ledger.port';
import { LedgerService, type LedgerServiceClock } from './ledger/ledger.service';
import { MetricsController } from './metrics/metrics.controller';
import { MetricsService } from './metrics/metrics.service';
import { SubmittedTransactionsRepository } from './transactions/submitted-transactions.repository';
import { TransactionsController } from './transactions/transactions.controller';
import { TransactionsService } from './transactions/transactions.service';
import { hkdfSync } from 'node:crypto';
import type { AuthenticatedClient } from './auth/api-keys.service';
import { AccessLogRepository } from './personal-data/access-log.repository';
import { AssetsPersonalDataLedger } from './personal-data/assets-personal-data.ledger';
import { KeyRing } from './personal-data/envelope-crypto';
import { PersonalDataController } from './personal-data/personal-data.controller';
import { PersonalDataRepository } from './personal-data/personal-data.repository';
import { PersonalDataService } from './personal-data/personal-data.service';
import { EventBus } from './events/event-bus';
import { EventReaderService } from './events/event-reader.service';
import { EventStoreRepository } from './events/event-store.repository';
import { EventStreamService } from './events/event-stream.service';
import { EventsController } from './events/events.controller';
import { AlwaysLeader } from './events/always-leader';
import { EventStoreWatcher } from './events/event-store-watcher';
import { LEADER_ELECTION, type LeaderElection } from './events/leader-election';
import { PostgresLeaderElection } from './events/postgres-leader-election';
import { PostgresDatabase } from './database/postgres.database';
import { ProjectionRepository } from './read-model/projection.repository';
import { ProjectorService } from './read-model/projector.service';
import { ReadModelController } from './read-model/read-model.controller';
import { ReadModelService } from './read-model/read-model.service';
import { type HttpPost, WebhookDispatcher } from './webhooks/webhook-dispatcher';
import { WebhookRepository } from './webhooks/webhook.repository';
import { WEBHOOK_DEFAULTS, WebhooksController } from './webhooks/webhooks.controller';
import { ConsoleController, consoleProviders } from './console';

/** Injection token of the {@link GatewayConfig}. */
export const CONFIG = Symbol('CONFIG');

/** What the application is built from. main.ts passes the real adapters, tests the fakes. */
export interface AppDependencies {
  readonly config: GatewayConfig;
  readonly ledger: LedgerPort;
  readonly database: Database;
  readonly logger: JsonLogger;
  readonly metrics: MetricsService;
  /** Randomness and waiting of write retries (tests make them instant). */
  readonly clock?: LedgerServiceClock;
  /** How webhooks are sent (tests capture them); default: fetch. */
  readonly webhookPost?: HttpPost;
  /** Who does the event work (default: PostgreSQL advisory lock, or always this process on SQLite). */
  readonly leaderElection?: LeaderElection;
  /** The built console to serve under /console (default: console/dist of this checkout). */
  readonly consoleAssetsDir?: string;
}

/** How often a process that is not the event leader looks for events another process stored. */
const FOLLOWER_POLL_MS = 1_000;

/**
 * The event leader election for a database: on PostgreSQL, processes sharing the database elect
 * one with an advisory lock; a SQLite file belongs to one process, which always leads.
 */
export function leaderElectionFor(
  database: Database,
  config: GatewayConfig,
  logger: JsonLogger,
): LeaderElection {
  if (database instanceof PostgresDatabase) {
    return new PostgresLeaderElection(
      (o) => database.session(o),
      { retryMs: config.events.leaderRetryMs },
      logger,
    );
  }
  return new AlwaysLeader();
}

const PURGE_INTERVAL_MS = 10 * 60 * 1000;
const SUBMITTED_RETENTION_MS = 7 * 24 * 3600 * 1000;

/**
 * Starts and stops what the application owns: key cache polling, purges, the personal-data
 * retention job, ledger and database, and the event work (reader, projector, webhook delivery)
 * while this process is the event leader.
 */
@Injectable()
class Lifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  #timer: NodeJS.Timeout | undefined;
  #retentionTimer: NodeJS.Timeout | undefined;
  #retention: Promise<void> | undefined;
  /** The last leadership transition (start or stop of the event work). */
  #eventWork: Promise<void> = Promise.resolve();
  #shuttingDown = false;

  constructor(
    @Inject(ApiKeysService) private readonly keys: ApiKeysService,
    @Inject(IdempotencyStore) private readonly idempotency: IdempotencyStore,
    @Inject(SubmittedTransactionsRepository) private readonly submitted: SubmittedTransactionsRepository,
    @Inject(HealthService) private readonly health: HealthService,
    @Inject(LEDGER_PORT) private readonly ledger: LedgerPort,
    @Inject(DATABASE) private readonly database: Database,
    @Inject(LOGGER) private readonly logger: JsonLogger,
    @Inject(PersonalDataService) private readonly personalData: PersonalDataService,
    @Inject(CONFIG) private readonly config: GatewayConfig,
    @Inject(EventReaderService) private readonly reader: EventReaderService,
    @Inject(WebhookDispatcher) private readonly webhooks: WebhookDispatcher,
    @Inject(ProjectorService) private readonly projector: ProjectorService,
    @Inject(EventStreamService) private readonly streams: EventStreamService,
    @Inject(LEADER_ELECTION) private readonly election: LeaderElection,
    @Inject(EventStoreWatcher) private readonly watcher: EventStoreWatcher,
    @Inject(MetricsService) private readonly metrics: MetricsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.keys.start();
    if (this.config.events.enabled) {
      this.metrics.eventsLeader.set(0);
      await this.election.start((leader) => this.#leadershipChanged(leader));
      if (!this.election.isLeader()) this.watcher.start();
      // A process that leads from the start has its event work running before it serves requests.
      await this.#eventWork;
    }
    this.#timer = setInterval(() => void this.#purge(), PURGE_INTERVAL_MS);
    this.#timer.unref();
    const every = this.config.personalData.retentionIntervalMs;
    if (every > 0) {
      this.#retentionTimer = setInterval(() => {
        this.#retention ??= this.#runRetention().finally(() => (this.#retention = undefined));
      }, every);
      this.#retentionTimer.unref();
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.health.markShuttingDown();
    this.keys.stop();
    if (this.#timer) clearInterval(this.#timer);
    if (this.#retentionTimer) clearInterval(this.#retentionTimer);
    // Event streams never end on their own: end them so the HTTP server can drain.
    this.streams.closeAll();
    this.#shuttingDown = true;
    this.watcher.stop();
    await Promise.all([this.#retention, this.#eventWork, this.#stopEventWork()]);
    // Only once the work has stopped: the next leader must not overlap with this one.
    await this.election.stop();
    this.metrics.eventsLeader.set(0);
  }

  #leadershipChanged(leader: boolean): void {
    this.metrics.eventsLeader.set(leader ? 1 : 0);
    if (leader) {
      this.watcher.stop();
      this.#eventWork = this.#eventWork.then(() => this.#startEventWork());
    } else {
      // At once, not behind a transition in progress: a process that lost the lock must stop
      // storing and delivering now. A start still queued sees it is no longer leader and skips.
      const stopping = this.#stopEventWork();
      if (!this.#shuttingDown) this.watcher.start();
      this.#eventWork = Promise.all([this.#eventWork, stopping]).then(() => undefined);
    }
  }

  async #startEventWork(): Promise<void> {
    if (!this.election.isLeader() || this.#shuttingDown) return;
    this.reader.start();
    this.projector.start();
    try {
      await this.webhooks.start();
    } catch (err) {
      // Its periodic re-read of the subscriptions retries.
      this.logger.write('warn', 'webhook delivery could not list its subscriptions', {
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }

  async #stopEventWork(): Promise<void> {
    await Promise.all([this.reader.stop(), this.projector.stop(), this.webhooks.stop()]);
  }

  async #runRetention(): Promise<void> {
    try {
      const report = await this.personalData.runRetention(systemClient(this.config));
      const pending = report.ledger.filter((l) => l.status === 'pending').length;
      this.logger.write(pending > 0 ? 'warn' : 'info', 'personal-data retention run', {
        recordsErased: report.recordsErased,
        ledgerErasures: report.ledger.length - pending,
        ledgerErasuresPending: pending,
      });
    } catch (err) {
      this.logger.write('warn', 'personal-data retention run failed', {
        error: err instanceof Error ? err.name : 'error',
      });
    }
  }

  // Runs after the HTTP server has drained in-flight requests: only then close what they use.
  async onApplicationShutdown(): Promise<void> {
    await this.ledger.close();
    await this.database.close();
  }

  async #purge(): Promise<void> {
    try {
      const keys = await this.idempotency.purgeExpired();
      const txs = await this.submitted.purgeOlderThan(SUBMITTED_RETENTION_MS);
      this.logger.write('debug', 'purged expired records', {
        idempotencyKeys: keys,
        submittedTransactions: txs,
      });
    } catch (err) {
      this.logger.write('warn', 'purge failed', { error: err instanceof Error ? err.message : String(err) });
    }
  }
}

/** The gateway application. */
@Module({})
export class AppModule {
  static forRoot(deps: AppDependencies): DynamicModule {
    const { config } = deps;
    const t = config.ledger.timeouts;
    return {
      module: AppModule,
      controllers: [
        AssetsController,
        RecallsController,
        PersonalDataController,
        TransactionsController,
        AdminController,
        HealthController,
        MetricsController,
        EventsController,
        WebhooksController,
        ReadModelController,
        ConsoleController,
      ],
      providers: [
        { provide: CONFIG, useValue: config },
        { provide: LEDGER_PORT, useValue: deps.ledger },
        { provide: DATABASE, useValue: deps.database },
        { provide: LOGGER, useValue: deps.logger },
        { provide: MetricsService, useValue: deps.metrics },
        {
          provide: ApiKeysService,
          useFactory: (db: Database) =>
            new ApiKeysService(new ApiKeyRepository(db), config.profile, {
              refreshMs: config.auth.refreshMs,
            }),
          inject: [DATABASE],
        },
        {
          provide: RateLimiter,
          useValue: new RateLimiter(config.rateLimit.perSecond, config.rateLimit.burst),
        },
        {
          provide: IdempotencyStore,
          useFactory: (db: Database) =>
            new IdempotencyStore(db, {
              ttlMs: config.idempotency.ttlSeconds * 1000,
              // A request cannot run longer than every attempt's deadlines; after that its record is orphaned.
              staleAfterMs:
                config.retry.maxAttempts * (t.evaluateMs * 2 + t.endorseMs + t.submitMs + t.commitStatusMs) +
                60_000,
            }),
          inject: [DATABASE],
        },
        {
          provide: SubmittedTransactionsRepository,
          useFactory: (db: Database) => new SubmittedTransactionsRepository(db),
          inject: [DATABASE],
        },
        {
          provide: LedgerService,
          useFactory: (
            port: LedgerPort,
            metrics: MetricsService,
            submitted: SubmittedTransactionsRepository,
          ) => new LedgerService(port, metrics, config.retry, submitted, deps.clock),
          inject: [LEDGER_PORT, MetricsService, SubmittedTransactionsRepository],
        },
        { provide: EventBus, useValue: new EventBus() },
        {
          provide: LEADER_ELECTION,
          useValue: deps.leaderElection ?? leaderElectionFor(deps.database, config, deps.logger),
        },
        {
          provide: EventStoreWatcher,
          useFactory: (store: EventStoreRepository, bus: EventBus) =>
            new EventStoreWatcher(store, bus, FOLLOWER_POLL_MS),
          inject: [EventStoreRepository, EventBus],
        },
        {
          provide: EventStoreRepository,
          useFactory: (db: Database) => new EventStoreRepository(db),
          inject: [DATABASE],
        },
        {
          provide: EventStreamService,
          useFactory: (store: EventStoreRepository, bus: EventBus, logger: JsonLogger) =>
            new EventStreamService(store, bus, logger),
          inject: [EventStoreRepository, EventBus, LOGGER],
        },
        {
          provide: EventReaderService,
          useFactory: (
            port: LedgerPort,
            store: EventStoreRepository,
            bus: EventBus,
            logger: JsonLogger,
            metrics: MetricsService,
          ) =>
            new EventReaderService(
              port,
              store,
              bus,
              {
                identity: config.events.identity,
                chaincode: config.profile.chaincode,
                startBlock: config.events.startBlock,
                reconnectBaseDelayMs: 250,
                reconnectMaxDelayMs: config.events.reconnectMaxDelayMs,
              },
              logger,
              metrics,
            ),
          inject: [LEDGER_PORT, EventStoreRepository, EventBus, LOGGER, MetricsService],
        },
        {
          provide: WebhookRepository,
          useFactory: (db: Database) =>
            new WebhookRepository(db, new KeyRing(config.personalData.kek, config.personalData.previousKeks)),
          inject: [DATABASE],
        },
        { provide: WEBHOOK_DEFAULTS, useValue: { maxAttempts: config.events.webhooks.maxAttempts } },
        {
          provide: WebhookDispatcher,
          useFactory: (
            repo: WebhookRepository,
            store: EventStoreRepository,
            bus: EventBus,
            logger: JsonLogger,
            metrics: MetricsService,
          ) =>
            new WebhookDispatcher(
              repo,
              store,
              bus,
              config.events.webhooks,
              logger,
              metrics,
              deps.webhookPost,
            ),
          inject: [WebhookRepository, EventStoreRepository, EventBus, LOGGER, MetricsService],
        },
        {
          provide: ProjectionRepository,
          useFactory: (db: Database) => new ProjectionRepository(db),
          inject: [DATABASE],
        },
        {
          provide: ProjectorService,
          useFactory: (
            port: LedgerPort,
            store: EventStoreRepository,
            repo: ProjectionRepository,
            bus: EventBus,
            logger: JsonLogger,
            metrics: MetricsService,
          ) => new ProjectorService(port, store, repo, bus, config.events.identity, logger, metrics),
          inject: [LEDGER_PORT, EventStoreRepository, ProjectionRepository, EventBus, LOGGER, MetricsService],
        },
        {
          provide: ReadModelService,
          useFactory: (port: LedgerPort, store: EventStoreRepository, repo: ProjectionRepository) =>
            new ReadModelService(port, store, repo, config.events.identity),
          inject: [LEDGER_PORT, EventStoreRepository, ProjectionRepository],
        },
        {
          provide: AssetsService,
          useFactory: (ledger: LedgerService, readModel: ReadModelService) =>
            new AssetsService(
              ledger,
              Object.keys(config.profile.organizations),
              config.events.enabled ? readModel : undefined,
            ),
          inject: [LedgerService, ReadModelService],
        },
        {
          provide: PersonalDataService,
          useFactory: (db: Database, assets: AssetsService) =>
            new PersonalDataService(
              new PersonalDataRepository(db),
              new AccessLogRepository(db),
              new KeyRing(config.personalData.kek, config.personalData.previousKeks),
              new AssetsPersonalDataLedger(assets),
              config.personalData,
            ),
          inject: [DATABASE, AssetsService],
        },
        {
          provide: TransactionsService,
          useFactory: (ledger: LedgerService, submitted: SubmittedTransactionsRepository) =>
            new TransactionsService(ledger, submitted, config.ledger.statusWaitMs),
          inject: [LedgerService, SubmittedTransactionsRepository],
        },
        {
          provide: HealthService,
          useFactory: (port: LedgerPort, db: Database) =>
            new HealthService(port, db, config.profile.identities[0]?.id ?? ''),
          inject: [LEDGER_PORT, DATABASE],
        },
        {
          provide: APP_GUARD,
          useFactory: (reflector: Reflector, keys: ApiKeysService, limiter: RateLimiter) =>
            new ApiKeyGuard(reflector, keys, limiter),
          inject: [Reflector, ApiKeysService, RateLimiter],
        },
        {
          provide: APP_INTERCEPTOR,
          useFactory: (
            reflector: Reflector,
            store: IdempotencyStore,
            metrics: MetricsService,
            logger: JsonLogger,
          ) => new IdempotencyInterceptor(reflector, store, metrics, logger, idempotencyHashKey(config)),
          inject: [Reflector, IdempotencyStore, MetricsService, LOGGER],
        },
        {
          provide: APP_FILTER,
          useFactory: (logger: JsonLogger, metrics: MetricsService) => new ProblemFilter(logger, metrics),
          inject: [LOGGER, MetricsService],
        },
        { provide: APP_PIPE, useValue: validationPipe() },
        ...consoleProviders(config),
        Lifecycle,
      ],
    };
  }
}

/** The retention job's client: the configured system identity, audited as `system:retention`. */
function systemClient(config: GatewayConfig): AuthenticatedClient {
  const id = config.personalData.systemIdentity;
  const identity = config.profile.identities.find((i) => i.id === id);
  if (!identity) throw new Error(`system identity ${id} is not in the profile`);
  return {
    keyId: 'system:retention',
    name: 'retention job',
    identityId: id,
    role: identity.role,
    mspId: config.profile.mspId,
  };
}

// Derived from the KEK so no new secret is needed; after a KEK rotation, repeats of requests sent
// before it get IDEMPOTENCY_KEY_REUSED rather than a replay (the window is the idempotency TTL).
function idempotencyHashKey(config: GatewayConfig): Buffer {
  return Buffer.from(
    hkdfSync('sha256', config.personalData.kek, Buffer.alloc(0), 'waybill:idempotency-request-hash', 32),
  );
}

/** DTO validation: unknown fields are rejected, every failure is listed by field path. */
export function validationPipe(): ValidationPipe {
  return new ValidationPipe({
    // Passed explicitly: npm installs this package's class-transformer under gateway-api/, where
    // Nest's own loader (resolving from @nestjs/common) would not find it.
    validatorPackage: classValidator,
    transformerPackage: {
      plainToInstance: classTransformer.plainToInstance,
      classToPlain: classTransformer.instanceToPlain,
    },
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors: ValidationError[]) =>
      new ProblemException('VALIDATION_FAILED', 'the request has invalid or unknown fields', {
        errors: flatten(errors),
      }),
  });
}

function flatten(errors: readonly ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field =
      prefix === ''
        ? e.property
        : /^\d+$/.test(e.property)
          ? `${prefix}[${e.property}]`
          : `${prefix}.${e.property}`;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}
