import { Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../common/request-context';
import { ApiRead } from '../http/openapi';
import {
  SinkDeadLetterList,
  SinkDeadLetterParams,
  SinkDeadLettersQuery,
  SinkList,
  SinkParams,
  SinkRedeliverResult,
  SinkView,
} from './dto/sink.dto';
import { SinksService } from './sinks.service';

/** `/v1/sinks`: the configured event sinks, their position, backlog, lag, dead letters and redelivery (admin role). */
@ApiTags('sinks')
@Roles('admin')
@Controller('v1/sinks')
export class SinksController {
  constructor(@Inject(SinksService) private readonly sinks: SinksService) {}

  @Get()
  @ApiOperation({ summary: 'Configured sinks with backlog, lag and dead letters', operationId: 'listSinks' })
  @ApiRead(SinkList)
  list(): Promise<SinkList> {
    return this.sinks.list();
  }

  @Get(':sink')
  @ApiOperation({ summary: 'One sink', operationId: 'getSink' })
  @ApiRead(SinkView, 404)
  get(@Param() p: SinkParams): Promise<SinkView> {
    return this.sinks.get(p.sink);
  }

  @Get(':sink/dead-letters')
  @ApiOperation({ summary: "A sink's dead letters, newest first", operationId: 'listSinkDeadLetters' })
  @ApiRead(SinkDeadLetterList, 404)
  deadLetters(@Param() p: SinkParams, @Query() q: SinkDeadLettersQuery): Promise<SinkDeadLetterList> {
    return this.sinks.deadLetters(p.sink, q.limit ?? 50);
  }

  @Post(':sink/dead-letters/redeliver')
  @HttpCode(200)
  @ApiOperation({
    summary: "Publish a sink's oldest dead letters (up to 100) again, now",
    description:
      'Each is published on its own; those the bus acknowledges are no longer dead letters, those it refuses again stay (one attempt more). 503 SINK_UNAVAILABLE when the bus cannot be reached.',
    operationId: 'redeliverSinkDeadLetters',
  })
  @ApiRead(SinkRedeliverResult, 404, 503)
  redeliverAll(@Param() p: SinkParams): Promise<SinkRedeliverResult> {
    return this.sinks.redeliver(p.sink);
  }

  @Post(':sink/dead-letters/:eventId/redeliver')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Publish one dead letter of a sink again, now',
    description: '404 DEAD_LETTER_NOT_FOUND when the event is no dead letter of the sink.',
    operationId: 'redeliverSinkDeadLetter',
  })
  @ApiRead(SinkRedeliverResult, 404, 503)
  redeliverOne(@Param() p: SinkDeadLetterParams): Promise<SinkRedeliverResult> {
    return this.sinks.redeliver(p.sink, p.eventId);
  }
}
