import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedClient } from '../common/client';
import { Client, Roles } from '../common/request-context';
import { ApiRead } from '../http/openapi';
import { NetworkStatusView } from './dto/network-status.dto';
import { HealthService } from './health.service';

/** `/v1/admin/network`: the organisation's peers, the channel's height and its ordering service (admin). */
@ApiTags('admin')
@Roles('admin')
@Controller('v1/admin/network')
export class NetworkStatusController {
  constructor(@Inject(HealthService) private readonly health: HealthService) {}

  @Get()
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary:
      'Readiness, each peer of this organisation (reachable, channel height) and the orderers the channel configuration names (admin)',
    operationId: 'networkStatus',
  })
  @ApiRead(NetworkStatusView)
  async status(@Client() client: AuthenticatedClient): Promise<NetworkStatusView> {
    const s = await this.health.networkStatus(client.identityId);
    return {
      readiness: s.readiness,
      adapter: s.adapter,
      organization: s.organization,
      mspId: s.mspId,
      channel: s.channel,
      chaincode: s.chaincode,
      height: s.height === undefined ? null : Number(s.height),
      peers: s.peers.map((p) => ({
        name: p.name,
        endpoint: p.endpoint,
        reachable: p.reachable,
        height: p.height === undefined ? null : Number(p.height),
        problem: p.problem ?? null,
      })),
      ordering: s.ordering
        ? {
            consensusType: s.ordering.consensusType ?? null,
            orderers: s.ordering.orderers.map((o) => ({ mspId: o.mspId ?? null, endpoint: o.endpoint })),
            consenters: [...s.ordering.consenters],
          }
        : null,
    };
  }
}
