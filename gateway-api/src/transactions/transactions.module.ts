import { Module } from '@nestjs/common';
import { CONFIG, type GatewayConfig } from '../config/config';
import { LedgerService } from '../ledger/ledger.service';
import { SubmittedTransactionsRepository } from '../ledger/submitted-transactions.repository';
import { TransactionsController } from './transactions.controller';
import { TransactionsService } from './transactions.service';

/** `GET /v1/transactions/{txId}`: commit status of a transaction. */
@Module({
  controllers: [TransactionsController],
  providers: [
    {
      provide: TransactionsService,
      useFactory: (c: GatewayConfig, ledger: LedgerService, submitted: SubmittedTransactionsRepository) =>
        new TransactionsService(ledger, submitted, c.ledger.statusWaitMs),
      inject: [CONFIG, LedgerService, SubmittedTransactionsRepository],
    },
  ],
})
export class TransactionsModule {}
