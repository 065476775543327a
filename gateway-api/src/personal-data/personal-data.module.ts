import {
  type BeforeApplicationShutdown,
  Global,
  Inject,
  Module,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ASSET_PERSONAL_DATA } from '../assets/asset-personal-data.port';
import { AssetsModule } from '../assets/assets.module';
import { AssetsService } from '../assets/assets.service';
import { PeriodicJob } from '../common/background-loop';
import type { AuthenticatedClient } from '../common/client';
import { type JsonLogger, LOGGER } from '../common/logger';
import { CONFIG, type GatewayConfig } from '../config/config';
import { KeyRing } from '../crypto/envelope-crypto';
import { AccessLogRepository } from './access-log.repository';
import { AssetsPersonalDataLedger } from './assets-personal-data.ledger';
import { PersonalDataController } from './personal-data.controller';
import { PersonalDataRepository } from './personal-data.repository';
import { PersonalDataService } from './personal-data.service';

/**
 * Personal data kept off-chain (docs/privacy.md), and its retention job. Global: it also serves
 * asset creation (the {@link ASSET_PERSONAL_DATA} port), which the assets feature, below it,
 * cannot import.
 *
 * Start: schedules the retention job. Stop (before the HTTP server drains): unschedules it and
 * waits for a run in progress.
 */
@Global()
@Module({
  imports: [AssetsModule],
  controllers: [PersonalDataController],
  providers: [
    PersonalDataRepository,
    AccessLogRepository,
    {
      provide: PersonalDataService,
      useFactory: (
        c: GatewayConfig,
        repo: PersonalDataRepository,
        log: AccessLogRepository,
        keys: KeyRing,
        assets: AssetsService,
      ) => new PersonalDataService(repo, log, keys, new AssetsPersonalDataLedger(assets), c.personalData),
      inject: [CONFIG, PersonalDataRepository, AccessLogRepository, KeyRing, AssetsService],
    },
    { provide: ASSET_PERSONAL_DATA, useExisting: PersonalDataService },
  ],
  exports: [ASSET_PERSONAL_DATA],
})
export class PersonalDataModule implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly #retention: PeriodicJob;

  constructor(
    @Inject(CONFIG) private readonly config: GatewayConfig,
    @Inject(PersonalDataService) private readonly personalData: PersonalDataService,
    @Inject(LOGGER) private readonly logger: JsonLogger,
  ) {
    this.#retention = new PeriodicJob(
      { name: 'personal-data retention run', everyMs: config.personalData.retentionIntervalMs, logger },
      () => this.#runRetention(),
    );
  }

  onApplicationBootstrap(): void {
    this.#retention.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.#retention.stop();
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
