import { Inject, Module } from '@nestjs/common';
import { EventBus } from '../events/event-bus';
import { EventLeadership } from '../events/event-leadership';
import { eventWorkers, integrationProviders } from '../events/event-workers';
import { EventsModule } from '../events/events.module';
import { functionApiKey } from './function-api-key';
import { loadBinding } from './function-binding';
import { functionEnv } from './function-runner';
import { FunctionWorker } from './function-worker';
import { FunctionsController } from './functions.controller';
import { FunctionsService } from './functions.service';

/** Injection token of the bound functions' workers. */
export const FUNCTION_WORKERS = Symbol('FUNCTION_WORKERS');

/**
 * Functions (`WAYBILL_FUNCTIONS`): Lambda-compatible handlers the gateway runs on ledger events,
 * one worker per binding file with its own durable position. Event work: it runs while this
 * process is the event leader. A binding file that does not load stops the start with its reasons.
 */
@Module({
  imports: [EventsModule],
  controllers: [FunctionsController],
  providers: integrationProviders(
    FUNCTION_WORKERS,
    ({ config: c, events, repo, logger, metrics }): FunctionWorker[] =>
      c.events.functions.files.map((file) => {
        const binding = loadBinding(file);
        // From the environment or a secret file, never from the binding or the config file.
        const key = functionApiKey(binding);
        const url = c.events.functions.apiUrl ?? `http://127.0.0.1:${c.http.port}`;
        return new FunctionWorker(
          binding,
          functionEnv(binding, { url, key }),
          events,
          repo,
          { network: c.events.network, channel: c.profile.channel, chaincode: c.profile.chaincode },
          logger,
          metrics,
        );
      }),
    FunctionsService,
  ),
})
export class FunctionsModule {
  constructor(
    @Inject(EventLeadership) leadership: EventLeadership,
    @Inject(EventBus) bus: EventBus,
    @Inject(FUNCTION_WORKERS) workers: FunctionWorker[],
  ) {
    if (workers.length === 0) return;
    leadership.register(eventWorkers('functions', bus, workers));
  }
}
