import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../common/request-context';
import { ReadinessView } from './dto/network-status.dto';
import { HealthService, type Readiness } from './health.service';

/** Liveness and readiness probes (no API key). */
@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(@Inject(HealthService) private readonly health: HealthService) {}

  @Get('live')
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'The process is up', operationId: 'live' })
  live(): { status: 'pass' } {
    return { status: 'pass' };
  }

  @Get('ready')
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary: 'Database and ledger reachable (a cheap evaluate); 503 otherwise',
    operationId: 'ready',
  })
  @ApiResponse({ status: 200, type: ReadinessView, description: 'Ready' })
  @ApiResponse({
    status: 503,
    type: ReadinessView,
    description: 'A check failed, or the process is stopping',
  })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<Readiness> {
    const readiness = await this.health.readiness();
    void reply.status(readiness.status === 'pass' ? 200 : 503);
    return readiness;
  }
}
