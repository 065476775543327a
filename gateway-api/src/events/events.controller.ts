import { Controller, Get, Headers, Inject, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiProduces, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { EVENTS, PATTERNS } from '@waybill/chaincode/constants';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Min } from 'class-validator';
import { ApiRead } from '../http/openapi';
import { ProblemException } from '../common/problems';
import type { AuthenticatedClient } from '../common/client';
import { Client, type FastifyReply } from '../common/request-context';
import { RE } from '../common/validators';
import { EventStoreRepository } from './event-store.repository';
import { EventStreamService, type StreamAdmission } from './event-stream.service';
import { LedgerEventView } from './event.types';

const NAMES = Object.values(EVENTS) as string[];
/** `name`: a comma-separated list of event names. */
const NAME_LIST = new RegExp(`^(${NAMES.join('|')})(,(${NAMES.join('|')}))*$`);

export class EventsQuery {
  @ApiPropertyOptional({
    pattern: NAME_LIST.source,
    description: `Comma-separated event names to receive (default: all): ${NAMES.join(', ')}`,
  })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z]+(,[A-Za-z]+)*$/, { message: 'name must be comma-separated event names' })
  name?: string;

  @ApiPropertyOptional({ pattern: PATTERNS.ID, description: 'Only events concerning this asset' })
  @IsOptional()
  @Matches(RE.ID, { message: `asset must match ${PATTERNS.ID}` })
  asset?: string;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    description: 'Replay from this block (0: from the beginning); ignored when Last-Event-ID is sent',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  fromBlock?: number;
}

/** `GET /v1/events`: the channel's chaincode events as Server-Sent Events. */
@ApiTags('events')
@Controller('v1/events')
export class EventsController {
  constructor(
    @Inject(EventStoreRepository) private readonly store: EventStoreRepository,
    @Inject(EventStreamService) private readonly streams: EventStreamService,
  ) {}

  @Get()
  @ApiOperation({
    summary:
      'Chaincode events as Server-Sent Events (id = event ID, event = name, data = the event JSON); ' +
      'resume with Last-Event-ID, replay with fromBlock, filter by name and asset',
    operationId: 'streamEvents',
  })
  @ApiProduces('text/event-stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Resume after this event ID' })
  @ApiRead(LedgerEventView, 404)
  async stream(
    @Client() client: AuthenticatedClient,
    @Query() query: EventsQuery,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    // Refused before any database work for it.
    const admission = this.streams.admit(client.keyId);
    try {
      await this.#stream(query, lastEventId, reply, admission);
    } finally {
      admission.release();
    }
  }

  async #stream(
    query: EventsQuery,
    lastEventId: string | undefined,
    reply: FastifyReply,
    admission: StreamAdmission,
  ): Promise<void> {
    const names = query.name?.split(',');
    const unknown = names?.filter((n) => !NAMES.includes(n)) ?? [];
    if (unknown.length > 0) {
      throw new ProblemException('VALIDATION_FAILED', 'unknown event name', {
        errors: unknown.map((n) => ({ field: 'name', message: `${n} is not an event name` })),
      });
    }
    let afterSeq: number;
    if (lastEventId !== undefined && lastEventId !== '') {
      const seq = await this.store.seqOf(lastEventId);
      if (seq === undefined) {
        throw new ProblemException(
          'EVENT_NOT_FOUND',
          'Last-Event-ID names no event this gateway stored; replay with fromBlock instead',
        );
      }
      afterSeq = seq;
    } else if (query.fromBlock !== undefined) {
      afterSeq = await this.store.seqBeforeBlock(query.fromBlock);
    } else {
      afterSeq = await this.store.maxSeq();
    }
    // From here on the response is ours: Nest and Fastify no longer send it.
    reply.hijack();
    const correlationId = reply.request.id;
    await this.streams.serve(
      reply.raw,
      { afterSeq, ...(names ? { names } : {}), ...(query.asset ? { assetId: query.asset } : {}) },
      { 'x-correlation-id': correlationId },
      admission,
    );
  }
}
