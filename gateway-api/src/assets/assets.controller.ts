import { Body, Controller, Get, Header, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedClient } from '../auth/api-keys.service';
import { ApiRead, ApiWrite } from '../common/openapi';
import {
  Client,
  EmptyBody,
  type FastifyReply,
  type FastifyRequest,
  prefersAsync,
} from '../common/request-context';
import { type AcceptedWrite, type WriteResult, writeResponse } from '../common/write-response';
import type { JsonBytes, WriteMode } from '../ledger/ledger.service';
import {
  Asset,
  AssetHistory,
  AssetList,
  DocumentVerification,
  Lineage,
  RecallProgress,
  RecallRecord,
  SaleTerms,
  SplitResult,
  TermsReceipt,
} from './asset.types';
import { AssetsService } from './assets.service';
import { PersonalDataService } from '../personal-data/personal-data.service';
import { purposeOf } from '../personal-data/purpose';
import {
  AssetIdParams,
  AttributesUpdateDto,
  CreateAssetDto,
  DocumentDto,
  HandoverDto,
  LineageQuery,
  ListAssetsQuery,
  MergeDto,
  ReasonDto,
  RecallIdParams,
  SaleDto,
  SaleTermsDto,
  SplitDto,
  VerifyDocumentQuery,
} from './dto/asset-inputs.dto';

type Write<T> = Promise<WriteResult<T> | AcceptedWrite>;

/** Reads pass the chaincode's JSON through as bytes, so the content type is set here. */
const JSON_TYPE = 'application/json; charset=utf-8';

const mode = (request: FastifyRequest): WriteMode => (prefersAsync(request) ? 'async' : 'sync');

/** `/v1/assets`: one route per chaincode operation on assets. */
@ApiTags('assets')
@Controller('v1/assets')
export class AssetsController {
  constructor(
    @Inject(AssetsService) private readonly assets: AssetsService,
    @Inject(PersonalDataService) private readonly personalData: PersonalDataService,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Create an asset (manufacturer role), optionally with personal data kept off-chain',
    operationId: 'createAsset',
  })
  @ApiWrite(Asset, { created: true })
  async create(
    @Client() client: AuthenticatedClient,
    @Body() body: CreateAssetDto,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Write<Asset> {
    const location = (asset: Asset) => `/v1/assets/${encodeURIComponent(asset.id)}`;
    const items = body.personalData ?? [];
    if (items.length === 0)
      return writeResponse(reply, await this.assets.create(client, body, mode(req)), location);
    // Values are stored (sealed) first; the ledger gets their references and commitments. If the
    // ledger refuses the asset, the records go again: none may point at a reference the ledger lacks.
    const prepared = await this.personalData.prepare(client, body.id, items, purposeOf(req));
    try {
      return writeResponse(reply, await this.assets.create(client, body, mode(req), prepared.refs), location);
    } catch (err) {
      await prepared.discard();
      throw err;
    }
  }

  @Get()
  @ApiOperation({
    summary:
      'List assets by owner, custodian, status or SKU (at least one) from the ledger indexes, or from the ' +
      'read model with text search, date ranges and sorting (X-Read-Model-Lag-Blocks tells its lag)',
    operationId: 'listAssets',
  })
  @ApiRead(AssetList)
  async list(
    @Client() client: AuthenticatedClient,
    @Query() query: ListAssetsQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AssetList> {
    const list = await this.assets.list(client, query);
    if (list.readModel) void reply.header('x-read-model-lag-blocks', String(list.readModel.lagBlocks ?? 'unknown'));
    return list;
  }

  @Post('merge')
  @ApiOperation({ summary: 'Merge lots into a new asset', operationId: 'mergeAssets' })
  @ApiWrite(Asset, { created: true })
  async merge(
    @Client() client: AuthenticatedClient,
    @Body() body: MergeDto,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Write<Asset> {
    const outcome = await this.assets.merge(client, body, mode(req));
    return writeResponse(reply, outcome, (asset) => `/v1/assets/${encodeURIComponent(asset.id)}`);
  }

  @Get(':assetId')
  @ApiOperation({ summary: 'Get an asset', operationId: 'getAsset' })
  @ApiRead(Asset, 404)
  @Header('content-type', JSON_TYPE)
  get(@Client() client: AuthenticatedClient, @Param() p: AssetIdParams): Promise<JsonBytes<Asset>> {
    return this.assets.get(client, p.assetId);
  }

  @Get(':assetId/history')
  @ApiOperation({ summary: 'Every version of an asset, newest first', operationId: 'getAssetHistory' })
  @ApiRead(AssetHistory, 404)
  @Header('content-type', JSON_TYPE)
  history(
    @Client() client: AuthenticatedClient,
    @Param() p: AssetIdParams,
  ): Promise<JsonBytes<AssetHistory>> {
    return this.assets.history(client, p.assetId);
  }

  @Get(':assetId/lineage')
  @ApiOperation({ summary: 'Ancestors and descendants (split/merge)', operationId: 'getLineage' })
  @ApiRead(Lineage, 404)
  @Header('content-type', JSON_TYPE)
  lineage(
    @Client() client: AuthenticatedClient,
    @Param() p: AssetIdParams,
    @Query() q: LineageQuery,
  ): Promise<JsonBytes<Lineage>> {
    return this.assets.lineage(client, p.assetId, q.depth);
  }

  @Get(':assetId/documents/verify')
  @ApiOperation({
    summary: 'Check a document against the hash recorded on the ledger',
    operationId: 'verifyDocument',
  })
  @ApiRead(DocumentVerification, 404)
  @Header('content-type', JSON_TYPE)
  verify(
    @Client() client: AuthenticatedClient,
    @Param() p: AssetIdParams,
    @Query() q: VerifyDocumentQuery,
  ): Promise<JsonBytes<DocumentVerification>> {
    return this.assets.verifyDocument(client, p.assetId, q.name, q.sha256);
  }

  @Post(':assetId/documents')
  @ApiOperation({ summary: 'Record a document hash on an asset', operationId: 'addDocument' })
  @ApiWrite(Asset)
  async addDocument(
    @Client() c: AuthenticatedClient,
    @Param() p: AssetIdParams,
    @Body() b: DocumentDto,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Write<Asset> {
    return writeResponse(
      reply,
      await this.assets.act(c, 'addDocument', p.assetId, [b.name, b.sha256], mode(req)),
    );
  }

  @Post(':assetId/attributes')
  @ApiOperation({ summary: 'Set and remove attributes', operationId: 'updateAttributes' })
  @ApiWrite(Asset)
  async attributes(
    @Client() c: AuthenticatedClient,
    @Param() p: AssetIdParams,
    @Body() b: AttributesUpdateDto,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Write<Asset> {
    return writeResponse(reply, await this.assets.updateAttributes(c, p.assetId, b, mode(req)));
  }

  // ---------------------------------------------------------------- custody handover

  @Post(':assetId/handover')
  @ApiOperation({
    summary: 'Propose handing custody to another organisation (custodian)',
    operationId: 'proposeHandover',
  })
  @ApiWrite(Asset)
  async proposeHandover(
    @Client() c: AuthenticatedClient,
    @Param() p: AssetIdParams,
    @Body() b: HandoverDto,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Write<Asset> {
    return writeResponse(reply, await this.assets.act(c, 'proposeHandover', p.assetId, [b.toOrg], mode(req)));
  }

  @Post(':assetId/handover/accept')
  @ApiOperation({ summary: 'Accept the pending handover (recipient)', operationId: 'acceptHandover' })
  @ApiWrite(Asset)
  async acceptHandover(
    @Client() c: AuthenticatedClient,
    @Param() p: AssetIdParams,
    @EmptyBody() _b: unknown,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Write<Asset> {
    return writeResponse(reply, await this.assets.act(c, 'acceptHandover', p.assetId, [], mode(req)));
  }

  @Post(':assetId/handover/reject')
  @ApiOperation({ summary: 'Reject the pending handover (recipient)', operationId: 'rejectHandover' })
  @ApiWrite(Asset)
  async rejectHandover(
    @Client() c: AuthenticatedClient,
    @Param() p: AssetIdParams,
    @EmptyBody() _b: unknown,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Write<Asset> {
    return writeResponse(reply, await this.assets.act(c, 'rejectHandover', p.assetId, [], mode(req)));
  }

  @Post(':assetId/handover/cancel')
  @ApiOperation({ summary: 'Withdraw the pending handover (proposer)', operationId: 'cancelHandover' })
  @ApiWrite(Asset)
  async cancelHandover(
    @Client() c: AuthenticatedClient,
    @Param() p: AssetIdParams,
    @EmptyBody() _b: unknown,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Write<Asset> {
    return writeResponse(reply, await this.assets.act(c, 'cancelHandover', p.assetId, [], mode(req)));
  }

  // ---------------------------------------------------------------- title transfer (sale)

  @Post(':assetId/sale')
  @ApiOperation({
    summary: 'Propose selling the asset (title transfer) to another organisation (owner)',
    operationId: 'proposeSale',
  })
  @ApiWrite(Asset)
  async proposeSale(
    @Client() c: AuthenticatedClient,
    @Param() p: AssetIdParams,
    @Body() b: SaleDto,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Write<Asset> {
    return writeResponse(reply, await this.assets.act(c, 'proposeSale', p.assetId, [b.buyerOrg], mode(req)));
  }

  @Post(':assetId/sale/terms')
  @ApiOperation({
    summary: "Record this organisation's side of the private sale terms (seller and buyer each)",
    description:
      "The terms travel as transient data to this organisation's own peer only and are stored in its implicit private collection; the ledger holds their hash.",
    operationId: 'agreeSaleTerms',
  })
  @ApiWrite(TermsReceipt)
  async agreeTerms(
    @Client() c: AuthenticatedClient,
    @Param() p: AssetIdParams,
    @Body() b: SaleTermsDto,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Write<TermsReceipt> {
    return writeResponse(reply, await this.assets.agreeSaleTerms(c, p.assetId, b, mode(req)));
  }

  @Get(':assetId/sale/terms')
  @ApiOperation({
    summary: "This organisation's copy of the pending sale's private terms",
    operationId: 'getTerms',
  })
  @ApiRead(SaleTerms, 404)
  @Header('content-type', JSON_TYPE)
  terms(@Client() c: AuthenticatedClient, @Param() p: AssetIdParams): Promise<JsonBytes<SaleTerms>> {
    return this.assets.saleTerms(c, p.assetId);
  }

  @Post(':assetId/sale/accept')
  @ApiOperation({ summary: 'Accept the sale: title passes to the buyer (buyer)', operationId: 'acceptSale' })
  @ApiWrite(Asset)
  async acceptSale(
    @Client() c: AuthenticatedClient,
    @Param() p: AssetIdParams,
    @EmptyBody() _b: unknown,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Write<Asset> {
    return writeResponse(reply, await this.assets.act(c, 'acceptSale', p.assetId, [], mode(req)));
  }

  @Post(':assetId/sale/reject')
  @ApiOperation({ summary: 'Reject the pending sale (buyer)', operationId: 'rejectSale' })
  @ApiWrite(Asset)
  async rejectSale(
    @Client() c: AuthenticatedClient,
    @Param() p: AssetIdParams,
    @EmptyBody() _b: unknown,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Write<Asset> {
    return writeResponse(reply, await this.assets.act(c, 'rejectSale', p.assetId, [], mode(req)));
  }

  @Post(':assetId/sale/cancel')
  @ApiOperation({ summary: 'Withdraw the pending sale (seller)', operationId: 'cancelSale' })
  @ApiWrite(Asset)
  async cancelSale(
    @Client() c: AuthenticatedClient,
    @Param() p: AssetIdParams,
    @EmptyBody() _b: unknown,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Write<Asset> {
    return writeResponse(reply, await this.assets.act(c, 'cancelSale', p.assetId, [], mode(req)));
  }

  // ---------------------------------------------------------------- status changes

  @Post(':assetId/hold')
  @ApiOperation({ summary: 'Put the asset on hold', operationId: 'putOnHold' })
  @ApiWrite(Asset)
  async hold(
    @Client() c: AuthenticatedClient,
    @Param() p: AssetIdParams,
    @Body() b: ReasonDto,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Write<Asset> {
    return writeResponse(reply, await this.assets.act(c, 'putOnHold', p.assetId, [b.reason], mode(req)));
  }

  @Post(':assetId/hold/release')
  @ApiOperation({ summary: 'Release the hold (back to the previous status)', operationId: 'releaseHold' })
  @ApiWrite(Asset)
  async release(
    @Client() c: AuthenticatedClient,
    @Param() p: AssetIdParams,
    @EmptyBody() _b: unknown,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Write<Asset> {
    return writeResponse(reply, await this.assets.act(c, 'releaseHold', p.assetId, [], mode(req)));
  }

  @Post(':assetId/sold')
  @ApiOperation({ summary: 'Mark the asset sold to an end customer', operationId: 'markSold' })
  @ApiWrite(Asset)
  async sold(
    @Client() c: AuthenticatedClient,
    @Param() p: AssetIdParams,
    @EmptyBody() _b: unknown,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Write<Asset> {
    return writeResponse(reply, await this.assets.act(c, 'markSold', p.assetId, [], mode(req)));
  }

  @Post(':assetId/consume')
  @ApiOperation({ summary: 'Mark the asset consumed (used up in production)', operationId: 'consumeAsset' })
  @ApiWrite(Asset)
  async consume(
    @Client() c: AuthenticatedClient,
    @Param() p: AssetIdParams,
    @EmptyBody() _b: unknown,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Write<Asset> {
    return writeResponse(reply, await this.assets.act(c, 'consumeAsset', p.assetId, [], mode(req)));
  }

  @Post(':assetId/destroy')
  @ApiOperation({ summary: 'Mark the asset destroyed', operationId: 'destroyAsset' })
  @ApiWrite(Asset)
  async destroy(
    @Client() c: AuthenticatedClient,
    @Param() p: AssetIdParams,
    @EmptyBody() _b: unknown,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Write<Asset> {
    return writeResponse(reply, await this.assets.act(c, 'destroyAsset', p.assetId, [], mode(req)));
  }

  // ---------------------------------------------------------------- lots and recall

  @Post(':assetId/split')
  @ApiOperation({
    summary: 'Split a lot into sub-lots whose amounts sum to the parent',
    operationId: 'splitAsset',
  })
  @ApiWrite(SplitResult)
  async split(
    @Client() c: AuthenticatedClient,
    @Param() p: AssetIdParams,
    @Body() b: SplitDto,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Write<SplitResult> {
    return writeResponse(reply, await this.assets.split(c, p.assetId, b, mode(req)));
  }

  @Post(':assetId/recall')
  @ApiOperation({
    summary:
      'Recall the asset and its descendants (first batch; continue with POST /v1/recalls/{recallId}/continue)',
    operationId: 'recallAsset',
  })
  @ApiWrite(RecallProgress)
  async recallAsset(
    @Client() c: AuthenticatedClient,
    @Param() p: AssetIdParams,
    @Body() b: ReasonDto,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Write<RecallProgress> {
    return writeResponse(reply, await this.assets.recallAsset(c, p.assetId, b.reason, mode(req)));
  }
}

/** `/v1/recalls`: progress of recalls across descendants. */
@ApiTags('recalls')
@Controller('v1/recalls')
export class RecallsController {
  constructor(@Inject(AssetsService) private readonly assets: AssetsService) {}

  @Get(':recallId')
  @ApiOperation({ summary: 'A recall and its progress', operationId: 'getRecall' })
  @ApiRead(RecallRecord, 404)
  @Header('content-type', JSON_TYPE)
  get(@Client() c: AuthenticatedClient, @Param() p: RecallIdParams): Promise<JsonBytes<RecallRecord>> {
    return this.assets.recall(c, p.recallId);
  }

  @Post(':recallId/continue')
  @ApiOperation({ summary: 'Mark the next batch of descendants', operationId: 'continueRecall' })
  @ApiWrite(RecallProgress)
  async continue(
    @Client() c: AuthenticatedClient,
    @Param() p: RecallIdParams,
    @EmptyBody() _b: unknown,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Write<RecallProgress> {
    return writeResponse(reply, await this.assets.continueRecall(c, p.recallId, mode(req)));
  }
}
