import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedClient } from '../common/client';
import { ApiCreated, ApiRead } from '../http/openapi';
import { Client, EmptyBody, type FastifyReply, Roles } from '../common/request-context';
import { TX_ID_HEADER } from '../common/request-context';
import {
  AccessLogPage,
  AccessLogQuery,
  AddRecordDto,
  ErasureReportView,
  RecordValueView,
  RecordWritten,
  RectifyDto,
  RefParams,
  RetentionReportView,
  SubjectCreated,
  SubjectExportView,
  SubjectParams,
  VerifyDto,
  VerifyResultView,
} from './dto/personal-data.dto';
import { PersonalDataService, type RecordValue, type SubjectExport } from './personal-data.service';
import { Purpose, PURPOSE } from '../common/purpose';

const WRITERS = ['manufacturer', 'carrier', 'retailer', 'admin'];
const PURPOSE_DOC = ApiHeader({
  name: 'X-Purpose',
  required: true,
  description: 'Why the data is accessed (a short label, logged in the access log)',
  schema: { type: 'string', minLength: 1, maxLength: 128, pattern: PURPOSE.source },
});

/**
 * `/v1/personal-data`: records held off-chain by this organisation, and the data subjects' rights.
 * Writes wait for the ledger commit (no `Prefer: respond-async`).
 */
@ApiTags('personal data')
@Controller('v1/personal-data')
export class PersonalDataController {
  constructor(@Inject(PersonalDataService) private readonly pd: PersonalDataService) {}

  @Post('subjects')
  @Roles(...WRITERS)
  @ApiOperation({
    summary: 'Create a data subject (a random id and its own data key)',
    operationId: 'createSubject',
  })
  @PURPOSE_DOC
  @ApiCreated(SubjectCreated)
  @HttpCode(201)
  createSubject(
    @Client() client: AuthenticatedClient,
    @EmptyBody() _body: unknown,
    @Purpose() purpose: string,
  ): Promise<{ subjectId: string; createdAt: string }> {
    return this.pd.createSubject(client, purpose);
  }

  @Post('records')
  @Roles(...WRITERS)
  @ApiOperation({
    summary:
      'Store a personal value for an asset; the ledger gets only a random reference and a salted commitment',
    operationId: 'addPersonalData',
  })
  @PURPOSE_DOC
  @ApiCreated(RecordWritten, 403, 404, 409)
  @HttpCode(201)
  async addRecord(
    @Client() client: AuthenticatedClient,
    @Body() body: AddRecordDto,
    @Purpose() purpose: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RecordWritten> {
    const { assetId, ...input } = body;
    const written = await this.pd.addRecord(client, assetId, input, purpose);
    void reply
      .header(TX_ID_HEADER, written.txId)
      .header('location', `/v1/personal-data/records/${written.record.ref}`);
    return written;
  }

  @Get('records/:ref')
  @ApiOperation({
    summary:
      'Read a record’s value (roles configured for its category; logged); its salt only comes with an export',
    operationId: 'readPersonalData',
  })
  @PURPOSE_DOC
  @ApiRead(RecordValueView, 403, 404)
  read(
    @Client() client: AuthenticatedClient,
    @Param() p: RefParams,
    @Purpose() purpose: string,
  ): Promise<RecordValue> {
    return this.pd.read(client, p.ref, purpose);
  }

  @Post('records/:ref/rectify')
  @Roles(...WRITERS)
  @ApiOperation({
    summary: 'Rectify a record (Art. 16): new salt and commitment on the ledger, history without values',
    operationId: 'rectifyPersonalData',
  })
  @PURPOSE_DOC
  @ApiRead(RecordWritten, 403, 404, 409)
  @HttpCode(200)
  async rectify(
    @Client() client: AuthenticatedClient,
    @Param() p: RefParams,
    @Body() body: RectifyDto,
    @Purpose() purpose: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RecordWritten> {
    const written = await this.pd.rectify(client, p.ref, body.value, purpose);
    void reply.header(TX_ID_HEADER, written.txId);
    return written;
  }

  @Get('subjects/:subjectId/export')
  @Roles('admin')
  @ApiOperation({
    summary: 'Everything held about a data subject, as JSON (Art. 15 access, Art. 20 portability)',
    operationId: 'exportSubject',
  })
  @PURPOSE_DOC
  @ApiRead(SubjectExportView, 404)
  export(
    @Client() client: AuthenticatedClient,
    @Param() p: SubjectParams,
    @Purpose() purpose: string,
  ): Promise<SubjectExport> {
    return this.pd.export(client, p.subjectId, purpose);
  }

  @Post('subjects/:subjectId/erase')
  @Roles('admin')
  @ApiOperation({
    summary:
      'Erase a data subject (Art. 17): data key, records and salts destroyed; references erased on the ledger',
    operationId: 'eraseSubject',
  })
  @PURPOSE_DOC
  @ApiRead(ErasureReportView, 404)
  @HttpCode(200)
  erase(
    @Client() client: AuthenticatedClient,
    @Param() p: SubjectParams,
    @EmptyBody() _body: unknown,
    @Purpose() purpose: string,
  ): Promise<ErasureReportView> {
    return this.pd.eraseSubject(client, p.subjectId, purpose);
  }

  @Post('verify')
  @ApiOperation({
    summary: 'Check a record given by its holder (value and salt) against the commitment on the ledger',
    operationId: 'verifyPersonalData',
  })
  @ApiRead(VerifyResultView, 404)
  @HttpCode(200)
  verify(@Client() client: AuthenticatedClient, @Body() body: VerifyDto): Promise<VerifyResultView> {
    return this.pd.verify(client, body);
  }

  @Get('access-log')
  @Roles('admin', 'auditor')
  @ApiOperation({
    summary: 'Export the access log (who, when, purpose, which record)',
    operationId: 'accessLog',
  })
  @ApiRead(AccessLogPage)
  async accessLog(@Query() q: AccessLogQuery): Promise<AccessLogPage> {
    const limit = q.limit ?? 100;
    const items = await this.pd.accessLog(q.after ?? 0, limit);
    return { items, nextAfter: items.length === limit ? (items[items.length - 1]?.seq ?? null) : null };
  }

  @Post('retention/run')
  @Roles('admin')
  @ApiOperation({
    summary: 'Run the retention job now: erase expired records, retry pending ledger erasures',
    operationId: 'runRetention',
  })
  @ApiRead(RetentionReportView)
  @HttpCode(200)
  runRetention(
    @Client() client: AuthenticatedClient,
    @EmptyBody() _body: unknown,
  ): Promise<RetentionReportView> {
    return this.pd.runRetention(client);
  }
}
