import { type BeforeApplicationShutdown, Inject, Module } from '@nestjs/common';
import { CONFIG, type GatewayConfig } from '../config/config';
import { DATABASE, type Database } from '../database/database';
import { LEDGER_PORT, type LedgerPort } from '../ledger/ledger.port';
import { HealthController } from './health.controller';
import { NetworkStatusController } from './network-status.controller';
import { HealthService } from './health.service';

/** Liveness, readiness and the operator's view of the network. Stop (before the HTTP server drains): readiness fails from then on. */
@Module({
  controllers: [HealthController, NetworkStatusController],
  providers: [
    {
      provide: HealthService,
      useFactory: (c: GatewayConfig, p: LedgerPort, db: Database) =>
        new HealthService(p, db, c.profile.identities[0]?.id ?? '', c.profile),
      inject: [CONFIG, LEDGER_PORT, DATABASE],
    },
  ],
})
export class HealthModule implements BeforeApplicationShutdown {
  constructor(@Inject(HealthService) private readonly health: HealthService) {}

  beforeApplicationShutdown(): void {
    this.health.markShuttingDown();
  }
}
