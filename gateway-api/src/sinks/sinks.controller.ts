import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../common/request-context';
import { ApiRead } from '../http/openapi';
import { SinkDeadLetterList, SinkDeadLettersQuery, SinkList, SinkParams, SinkView } from './dto/sink.dto';
import { SinksService } from './sinks.service';

/** `/v1/sinks`: the configured event sinks, their position, backlog, lag and dead letters (admin role). */
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
}
