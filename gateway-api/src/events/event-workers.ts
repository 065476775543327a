import type { Provider } from '@nestjs/common';
import { type JsonLogger, LOGGER } from '../common/logger';
import { CONFIG, type GatewayConfig } from '../config/config';
import { MetricsService } from '../metrics/metrics.service';
import type { EventBus } from './event-bus';
import type { EventWork } from './event-leadership';
import { EventStoreRepository } from './event-store.repository';
import { IntegrationRepository } from './integration.repository';

/** A worker of stored events with its own durable position (a sink, a function, …). */
export interface EventWorker {
  start(): void;
  stop(): Promise<void>;
  /** New events were stored: look now rather than at the next poll. */
  wake(): void;
}

/**
 * Event work made of one worker per configured integration: started together when this process
 * leads, each woken by every newly stored event, and stopped together.
 */
export function eventWorkers(name: string, bus: EventBus, workers: readonly EventWorker[]): EventWork {
  let unsubscribe: (() => void) | undefined;
  return {
    name,
    start: () => {
      unsubscribe ??= bus.subscribe(() => {
        for (const w of workers) w.wake();
      });
      for (const w of workers) w.start();
    },
    stop: async () => {
      unsubscribe?.();
      unsubscribe = undefined;
      await Promise.all(workers.map((w) => w.stop()));
    },
  };
}

/** What an integration's workers are built from. */
export interface IntegrationDeps {
  readonly config: GatewayConfig;
  readonly events: EventStoreRepository;
  readonly repo: IntegrationRepository;
  readonly logger: JsonLogger;
  readonly metrics: MetricsService;
}

/**
 * The providers of an integration feature (sinks, functions): its workers under `token`, built by
 * `build` from the configuration and the platform, and its admin `service` over those workers and
 * the integrations' durable state.
 */
export function integrationProviders<W>(
  token: symbol,
  build: (deps: IntegrationDeps) => W[],
  service: new (workers: readonly W[], repo: IntegrationRepository) => unknown,
): Provider[] {
  return [
    IntegrationRepository,
    {
      provide: token,
      useFactory: (
        config: GatewayConfig,
        events: EventStoreRepository,
        repo: IntegrationRepository,
        logger: JsonLogger,
        metrics: MetricsService,
      ): W[] => build({ config, events, repo, logger, metrics }),
      inject: [CONFIG, EventStoreRepository, IntegrationRepository, LOGGER, MetricsService],
    },
    {
      provide: service,
      useFactory: (workers: W[], repo: IntegrationRepository) => new service(workers, repo),
      inject: [token, IntegrationRepository],
    },
  ];
}
