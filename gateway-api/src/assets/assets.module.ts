import { Inject, Module } from '@nestjs/common';
import type { AuthenticatedClient } from '../common/client';
import { type JsonLogger, LOGGER } from '../common/logger';
import { CONFIG, type GatewayConfig } from '../config/config';
import { CursorCodec } from '../crypto/cursor-codec';
import { EventBus } from '../events/event-bus';
import { EventLeadership } from '../events/event-leadership';
import { EventStoreRepository } from '../events/event-store.repository';
import { EventsModule } from '../events/events.module';
import { LedgerService } from '../ledger/ledger.service';
import { ReadModelModule } from '../read-model/read-model.module';
import { ReadModelService } from '../read-model/read-model.service';
import { AssetsController, RecallsController } from './assets.controller';
import { AssetsService } from './assets.service';
import { TermsPurger } from './terms-purger';

/**
 * The asset operations (one chaincode transaction each) and recalls; and, as event work, the
 * purge of this organisation's terms of sales the seller cancelled.
 */
@Module({
  imports: [ReadModelModule, EventsModule],
  controllers: [AssetsController, RecallsController],
  providers: [
    {
      provide: AssetsService,
      useFactory: (c: GatewayConfig, ledger: LedgerService, readModel: ReadModelService) =>
        new AssetsService(
          ledger,
          Object.keys(c.profile.organizations),
          new CursorCodec(c.personalData.kek),
          c.events.enabled ? readModel : undefined,
        ),
      inject: [CONFIG, LedgerService, ReadModelService],
    },
  ],
  exports: [AssetsService],
})
export class AssetsModule {
  constructor(
    @Inject(CONFIG) config: GatewayConfig,
    @Inject(EventLeadership) leadership: EventLeadership,
    @Inject(EventStoreRepository) events: EventStoreRepository,
    @Inject(EventBus) bus: EventBus,
    @Inject(AssetsService) assets: AssetsService,
    @Inject(LOGGER) logger: JsonLogger,
  ) {
    const client = purgeClient(config);
    if (client === undefined) return;
    const purger = new TermsPurger(events, assets, bus, client, logger);
    leadership.register({ name: 'sale terms purge', start: () => purger.start(), stop: () => purger.stop() });
  }
}

/** The purge's client: the configured trading identity, audited as `system:terms-purge`. */
function purgeClient(config: GatewayConfig): AuthenticatedClient | undefined {
  const id = config.events.termsPurgeIdentity;
  const identity = config.profile.identities.find((i) => i.id === id);
  if (id === undefined || identity === undefined) return undefined;
  return {
    keyId: 'system:terms-purge',
    name: 'sale terms purge',
    identityId: id,
    role: identity.role,
    mspId: config.profile.mspId,
  };
}
