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
import { BackgroundLoop, PeriodicJob } from '../common/background-loop';
import type { AuthenticatedClient } from '../common/client';
import { type JsonLogger, LOGGER } from '../common/logger';
import {
  CONFIG,
  commitWindowMs,
  type GatewayConfig,
  kekRotationCheckMs,
  writeBoundMs,
} from '../config/config';
import { KeyRing } from '../crypto/envelope-crypto';
import { GatewayInstances } from '../database/gateway-instances';
import { LedgerService } from '../ledger/ledger.service';
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
        ledger: LedgerService,
        instances: GatewayInstances,
      ) =>
        new PersonalDataService(
          repo,
          log,
          keys,
          new AssetsPersonalDataLedger(assets, ledger),
          c.personalData,
          Date.now,
          {
            owner: instances.id,
            alive: (owner) => instances.alive(owner),
            writeBoundMs: writeBoundMs(c),
            commitWindowMs: commitWindowMs(c),
          },
          async () => {
            const interval = c.personalData.kekRotationIntervalMs;
            const started = interval > 0 ? await repo.kekEpochStartedAt(keys.currentId) : undefined;
            // The rotation runs at the first check after the epoch's end (see kek-rotation.ts).
            return started === undefined ? null : started + interval + kekRotationCheckMs(interval);
          },
        ),
      inject: [
        CONFIG,
        PersonalDataRepository,
        AccessLogRepository,
        KeyRing,
        AssetsService,
        LedgerService,
        GatewayInstances,
      ],
    },
    { provide: ASSET_PERSONAL_DATA, useExisting: PersonalDataService },
  ],
  exports: [ASSET_PERSONAL_DATA],
})
export class PersonalDataModule implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly #retention: PeriodicJob;
  /** Settles ledger writes whose outcome was unknown (see PersonalDataService.settleUnfinished). */
  readonly #settler: BackgroundLoop;

  constructor(
    @Inject(CONFIG) private readonly config: GatewayConfig,
    @Inject(PersonalDataService) private readonly personalData: PersonalDataService,
    @Inject(LOGGER) private readonly logger: JsonLogger,
  ) {
    this.#retention = new PeriodicJob(
      { name: 'personal-data retention run', everyMs: config.personalData.retentionIntervalMs, logger },
      () => this.#runRetention(),
    );
    this.#settler = new BackgroundLoop(() => this.#settle(), {
      failureWaitMs: config.personalData.settleIntervalMs,
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    const rewritten = await this.personalData.pseudonymiseLegacyAccessLog();
    if (rewritten > 0) {
      this.logger.write('info', 'pseudonymised access-log entries written in clear by an older version', {
        entries: rewritten,
      });
    }
    this.#retention.start();
    if (this.config.personalData.settleIntervalMs > 0) this.#settler.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.#settler.stop();
    await this.#retention.stop();
  }

  /** One settler step; the next comes after the interval (at once while a batch was full). */
  async #settle(): Promise<number> {
    const every = this.config.personalData.settleIntervalMs;
    try {
      const report = await this.personalData.settleUnfinished(systemClient(this.config));
      const done = report.settled + report.discarded + report.promoted + report.dropped;
      if (done > 0 || report.waiting > 0) {
        this.logger.write(done > 0 ? 'info' : 'debug', 'personal-data writes settled', { ...report });
      }
      return every;
    } catch (err) {
      this.logger.write('warn', 'personal-data settler run failed', {
        error: err instanceof Error ? err.name : 'error',
      });
      return every;
    }
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
