import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import type { AuthenticatedClient } from '../common/client';
import { ApiRead } from '../http/openapi';
import { Client } from '../common/request-context';
import { type TransactionStatusView, TransactionsService } from './transactions.service';

export class TxIdParams {
  @ApiProperty({ pattern: '^[0-9a-f]{64}$' })
  @IsString()
  @Matches(/^[0-9a-f]{64}$/, { message: 'txId must be 64 lowercase hex characters' })
  txId!: string;
}

export class TransactionStatusResponse {
  @ApiProperty() txId!: string;
  @ApiProperty({ enum: ['COMMITTED', 'PENDING'] }) status!: string;
  @ApiPropertyOptional({ description: 'COMMITTED: whether the transaction is valid' }) valid?: boolean;
  @ApiPropertyOptional({
    example: 'VALID',
    description: 'COMMITTED: Fabric validation code (MVCC_READ_CONFLICT…)',
  })
  validationCode?: string;
  @ApiPropertyOptional() blockNumber?: number;
  @ApiPropertyOptional({ description: 'PENDING: the transaction name' }) transaction?: string;
  @ApiPropertyOptional({ format: 'date-time' }) submittedAt?: string;
}

/** `GET /v1/transactions/{txId}`: commit status of a transaction (after `Prefer: respond-async`). */
@ApiTags('transactions')
@Controller('v1/transactions')
export class TransactionsController {
  constructor(@Inject(TransactionsService) private readonly transactions: TransactionsService) {}

  @Get(':txId')
  @ApiOperation({
    summary: 'Commit status of a transaction: validation code and block number',
    operationId: 'getTransaction',
  })
  @ApiRead(TransactionStatusResponse, 404)
  status(@Client() client: AuthenticatedClient, @Param() p: TxIdParams): Promise<TransactionStatusView> {
    return this.transactions.status(client, p.txId);
  }
}
