import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../common/request-context';
import { ApiRead } from '../http/openapi';
import { FunctionList, FunctionParams, InvocationList, InvocationsQuery } from './dto/function.dto';
import { FunctionsService } from './functions.service';

/** `/v1/functions`: bound functions, their position, backlog, dead letters and invocations (admin role). */
@ApiTags('functions')
@Roles('admin')
@Controller('v1/functions')
export class FunctionsController {
  constructor(@Inject(FunctionsService) private readonly functions: FunctionsService) {}

  @Get()
  @ApiOperation({
    summary: 'Bound functions with backlog, lag and dead letters',
    operationId: 'listFunctions',
  })
  @ApiRead(FunctionList)
  list(): Promise<FunctionList> {
    return this.functions.list();
  }

  @Get(':function/invocations')
  @ApiOperation({ summary: "A function's invocations, newest event first", operationId: 'listInvocations' })
  @ApiRead(InvocationList, 404)
  invocations(@Param() p: FunctionParams, @Query() q: InvocationsQuery): Promise<InvocationList> {
    return this.functions.invocations(p.function, q.limit ?? 50);
  }
}
