import { ApiProperty } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { WriteOutcome } from '../common/write-outcome';
import { TX_ID_HEADER } from '../common/request-context';

/** Body of a committed write. `result` is the chaincode's answer. */
export class WriteResult<T = unknown> {
  @ApiProperty({ description: 'Transaction ID of the committed transaction' }) txId!: string;
  @ApiProperty() blockNumber!: number;
  @ApiProperty({ description: 'Transactions tried (> 1 after read conflicts)' }) attempts!: number;
  @ApiProperty({ description: "The chaincode's answer" }) result!: T;
}

/** Body of a write accepted with `Prefer: respond-async` (202). */
export class AcceptedWrite {
  @ApiProperty() txId!: string;
  @ApiProperty({ enum: ['SUBMITTED'] }) status!: 'SUBMITTED';
  @ApiProperty({ example: '/v1/transactions/4f1c…' }) statusUrl!: string;
}

/**
 * Sets status and headers of a write and returns its body: 200 (or 201 with `Location` for a
 * created resource) once committed; 202 with `Location` of the transaction status when async.
 */
export function writeResponse<T>(
  reply: FastifyReply,
  outcome: WriteOutcome<T>,
  createdAt?: (result: T) => string,
): WriteResult<T> | AcceptedWrite {
  void reply.header(TX_ID_HEADER, outcome.txId);
  if (outcome.mode === 'async') {
    const statusUrl = `/v1/transactions/${outcome.txId}`;
    void reply.status(202).header('location', statusUrl).header('preference-applied', 'respond-async');
    return { txId: outcome.txId, status: 'SUBMITTED', statusUrl };
  }
  if (createdAt) void reply.status(201).header('location', createdAt(outcome.result));
  else void reply.status(200);
  return {
    txId: outcome.txId,
    blockNumber: outcome.blockNumber,
    attempts: outcome.attempts,
    result: outcome.result,
  };
}
