import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ApiRead } from '../http/openapi';
import { Roles } from '../common/request-context';
import { LEADER_ELECTION, type LeaderElection } from '../events/leader-election';
import { ReadModelService, ReconcileRunningError } from './read-model.service';
import { ProblemException } from '../common/problems';

export class ReadModelStatusView {
  @ApiProperty({ type: Number, nullable: true }) ledgerHeight!: number | null;
  @ApiProperty({ type: Number, nullable: true }) eventsBlock!: number | null;
  @ApiProperty({ type: Number, nullable: true }) projectedBlock!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Blocks the read model is behind the ledger' })
  lagBlocks!: number | null;
}

export class ReadModelStatusWithLeaderView extends ReadModelStatusView {
  @ApiProperty({
    description:
      'Whether this gateway process is the event leader of its database (reads blocks, updates the read model, delivers webhooks); ' +
      'the other processes on the database serve from what it stores',
  })
  leader!: boolean;
}

export class DifferenceView {
  @ApiProperty() assetId!: string;
  @ApiProperty({
    enum: ['missing', 'extra', 'different'],
    description: 'missing: on the ledger only; extra: in the read model only',
  })
  kind!: string;
  @ApiPropertyOptional({ type: [String] }) fields?: string[];
}

export class ReconcileReportView {
  @ApiProperty() ledgerAssets!: number;
  @ApiProperty() readModelAssets!: number;
  @ApiProperty({ type: [DifferenceView] }) differences!: DifferenceView[];
  @ApiProperty({ type: ReadModelStatusView }) status!: ReadModelStatusView;
}

/** `/v1/read-model`: the asset projection's lag and its reconciliation against the ledger. */
@ApiTags('read model')
@Controller('v1/read-model')
export class ReadModelController {
  constructor(
    @Inject(ReadModelService) private readonly readModel: ReadModelService,
    @Inject(LEADER_ELECTION) private readonly election: LeaderElection,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'How far the read model is behind the ledger, and whether this process is the event leader',
    operationId: 'readModelStatus',
  })
  @ApiRead(ReadModelStatusWithLeaderView)
  async status(): Promise<ReadModelStatusWithLeaderView> {
    return { ...(await this.readModel.status(true)), leader: this.election.isLeader() };
  }

  @Get('reconcile')
  @Roles('admin', 'auditor')
  @ApiOperation({
    summary: 'Compare every ledger asset with the read model and list the differences (admin, auditor)',
    operationId: 'reconcileReadModel',
  })
  @ApiRead(ReconcileReportView, 409)
  async reconcile(): Promise<ReconcileReportView> {
    const report = await this.readModel.reconcile().catch((err: unknown) => {
      if (err instanceof ReconcileRunningError) {
        throw new ProblemException('RECONCILE_RUNNING', 'one reconciliation runs at a time: try again when it ended', {}, { 'Retry-After': '5' });
      }
      throw err;
    });
    return { ...report, differences: report.differences.map((d) => ({ ...d, fields: d.fields ? [...d.fields] : undefined })) };
  }
}
