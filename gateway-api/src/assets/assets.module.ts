import { Module } from '@nestjs/common';
import { CONFIG, type GatewayConfig } from '../config/config';
import { LedgerService } from '../ledger/ledger.service';
import { ReadModelModule } from '../read-model/read-model.module';
import { ReadModelService } from '../read-model/read-model.service';
import { AssetsController, RecallsController } from './assets.controller';
import { AssetsService } from './assets.service';
import { CursorCodec } from '../crypto/cursor-codec';

/** The asset operations (one chaincode transaction each) and recalls. */
@Module({
  imports: [ReadModelModule],
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
export class AssetsModule {}
