import { Body, Controller, Get, Header, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedClient } from '../common/client';
import { ApiRead } from '../http/openapi';
import { Client, EmptyBody, type FastifyReply, type FastifyRequest } from '../common/request-context';
import { Mode, WriteRoute } from '../http/write-route';
import type { JsonBytes, WriteMode, WriteOutcome } from '../common/write-outcome';
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
import { PURPOSE_HEADER, purposeOf } from '../common/purpose';
import { ProblemException } from '../common/problems';
import { type MinBlock, MinBlockParam } from '../ledger/min-block';
import { ASSET_PERSONAL_DATA, type AssetPersonalData } from './asset-personal-data.port';
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

type Write<T> = Promise<WriteOutcome<T>>;

/** Reads pass the chaincode's JSON through as bytes, so the content type is set here. */
const JSON_TYPE = 'application/json; charset=utf-8';

const assetPath = (asset: Asset) => `/v1/assets/${encodeURIComponent(asset.id)}`;

/** `/v1/assets`: one route per chaincode operation on assets. */
@ApiTags('assets')
@Controller('v1/assets')
export class AssetsController {
  constructor(
    @Inject(AssetsService) private readonly assets: AssetsService,
    @Inject(ASSET_PERSONAL_DATA) private readonly personalData: AssetPersonalData,
  ) {}

  @WriteRoute(
    '',
    Asset,
    {
      summary: 'Create an asset (manufacturer role), optionally with personal data kept off-chain',
      operationId: 'createAsset',
    },
    { created: assetPath },
  )
  async create(
    @Client() client: AuthenticatedClient,
    @Body() body: CreateAssetDto,
    @Mode() mode: WriteMode,
    @Req() req: FastifyRequest,
  ): Write<Asset> {
    const items = body.personalData ?? [];
    if (items.length === 0) return this.assets.create(client, body, mode);
    // Values are stored (sealed) first; the ledger gets their references and commitments. If the
    // ledger refuses the asset, the records go again: none may point at a reference the ledger
    // lacks; if its outcome is unknown, they stay until the settler knows it (docs/privacy.md).
    // Stated in the body (as the document says) or, as on the other personal-data operations, in X-Purpose.
    const purpose = body.purpose ?? (req.headers[PURPOSE_HEADER] === undefined ? noPurpose() : purposeOf(req));
    const prepared = await this.personalData.prepare(client, body.id, items, purpose);
    return prepared.write(
      () => this.assets.create(client, body, mode, prepared.refs),
      (outcome) => outcome.mode === 'sync',
    );
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
    @MinBlockParam() minBlock: MinBlock | undefined,
  ): Promise<AssetList> {
    const list = await this.assets.list(client, query, minBlock);
    if (list.readModel)
      void reply.header('x-read-model-lag-blocks', String(list.readModel.lagBlocks ?? 'unknown'));
    return list;
  }

  @WriteRoute(
    'merge',
    Asset,
    { summary: 'Merge lots into a new asset', operationId: 'mergeAssets' },
    { created: assetPath },
  )
  merge(
    @Client() client: AuthenticatedClient,
    @Body() body: MergeDto,
    @Mode() mode: WriteMode,
  ): Write<Asset> {
    return this.assets.merge(client, body, mode);
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

  @WriteRoute(':assetId/documents', Asset, 'Record a document hash on an asset')
  addDocument(
    @Client() c: AuthenticatedClient,
    @Param() p: AssetIdParams,
    @Body() b: DocumentDto,
    @Mode() mode: WriteMode,
  ): Write<Asset> {
    return this.assets.submitOnAsset(c, 'addDocument', p.assetId, [b.name, b.sha256], mode);
  }

  @WriteRoute(':assetId/attributes', Asset, 'Set and remove attributes')
  updateAttributes(
    @Client() c: AuthenticatedClient,
    @Param() p: AssetIdParams,
    @Body() b: AttributesUpdateDto,
    @Mode() mode: WriteMode,
  ): Write<Asset> {
    return this.assets.updateAttributes(c, p.assetId, b, mode);
  }

  // ---------------------------------------------------------------- custody handover

  @WriteRoute(':assetId/handover', Asset, 'Propose handing custody to another organisation (custodian)')
  proposeHandover(
    @Client() c: AuthenticatedClient,
    @Param() p: AssetIdParams,
    @Body() b: HandoverDto,
    @Mode() mode: WriteMode,
  ): Write<Asset> {
    return this.assets.submitOnAsset(c, 'proposeHandover', p.assetId, [b.toOrg], mode);
  }

  @WriteRoute(':assetId/handover/accept', Asset, 'Accept the pending handover (recipient)')
  acceptHandover(
    @Client() c: AuthenticatedClient,
    @Param() p: AssetIdParams,
    @EmptyBody() _b: unknown,
    @Mode() mode: WriteMode,
  ): Write<Asset> {
    return this.assets.submitOnAsset(c, 'acceptHandover', p.assetId, [], mode);
  }

  @WriteRoute(':assetId/handover/reject', Asset, 'Reject the pending handover (recipient)')
  rejectHandover(
    @Client() c: AuthenticatedClient,
    @Param() p: AssetIdParams,
    @EmptyBody() _b: unknown,
    @Mode() mode: WriteMode,
  ): Write<Asset> {
    return this.assets.submitOnAsset(c, 'rejectHandover', p.assetId, [], mode);
  }

  @WriteRoute(':assetId/handover/cancel', Asset, 'Withdraw the pending handover (proposer)')
  cancelHandover(
    @Client() c: AuthenticatedClient,
    @Param() p: AssetIdParams,
    @EmptyBody() _b: unknown,
    @Mode() mode: WriteMode,
  ): Write<Asset> {
    return this.assets.submitOnAsset(c, 'cancelHandover', p.assetId, [], mode);
  }

  // ---------------------------------------------------------------- title transfer (sale)

  @WriteRoute(
    ':assetId/sale',
    Asset,
    'Propose selling the asset (title transfer) to another organisation (owner)',
  )
  proposeSale(
    @Client() c: AuthenticatedClient,
    @Param() p: AssetIdParams,
    @Body() b: SaleDto,
    @Mode() mode: WriteMode,
  ): Write<Asset> {
    return this.assets.submitOnAsset(c, 'proposeSale', p.assetId, [b.buyerOrg], mode);
  }

  @WriteRoute(':assetId/sale/terms', TermsReceipt, {
    summary: "Record this organisation's side of the private sale terms (seller and buyer each)",
    description:
      "The terms travel as transient data to this organisation's own peer only and are stored in its implicit private collection; the ledger holds their hash.",
  })
  agreeSaleTerms(
    @Client() c: AuthenticatedClient,
    @Param() p: AssetIdParams,
    @Body() b: SaleTermsDto,
    @Mode() mode: WriteMode,
  ): Write<TermsReceipt> {
    return this.assets.agreeSaleTerms(c, p.assetId, b, mode);
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

  @WriteRoute(':assetId/sale/accept', Asset, 'Accept the sale: title passes to the buyer (buyer)')
  acceptSale(
    @Client() c: AuthenticatedClient,
    @Param() p: AssetIdParams,
    @EmptyBody() _b: unknown,
    @Mode() mode: WriteMode,
  ): Write<Asset> {
    return this.assets.submitOnAsset(c, 'acceptSale', p.assetId, [], mode);
  }

  @WriteRoute(':assetId/sale/reject', Asset, 'Reject the pending sale (buyer)')
  rejectSale(
    @Client() c: AuthenticatedClient,
    @Param() p: AssetIdParams,
    @EmptyBody() _b: unknown,
    @Mode() mode: WriteMode,
  ): Write<Asset> {
    return this.assets.submitOnAsset(c, 'rejectSale', p.assetId, [], mode);
  }

  @WriteRoute(':assetId/sale/cancel', Asset, 'Withdraw the pending sale (seller)')
  cancelSale(
    @Client() c: AuthenticatedClient,
    @Param() p: AssetIdParams,
    @EmptyBody() _b: unknown,
    @Mode() mode: WriteMode,
  ): Write<Asset> {
    return this.assets.submitOnAsset(c, 'cancelSale', p.assetId, [], mode);
  }

  // ---------------------------------------------------------------- status changes

  @WriteRoute(':assetId/hold', Asset, 'Put the asset on hold')
  putOnHold(
    @Client() c: AuthenticatedClient,
    @Param() p: AssetIdParams,
    @Body() b: ReasonDto,
    @Mode() mode: WriteMode,
  ): Write<Asset> {
    return this.assets.submitOnAsset(c, 'putOnHold', p.assetId, [b.reason], mode);
  }

  @WriteRoute(':assetId/hold/release', Asset, 'Release the hold (back to the previous status)')
  releaseHold(
    @Client() c: AuthenticatedClient,
    @Param() p: AssetIdParams,
    @EmptyBody() _b: unknown,
    @Mode() mode: WriteMode,
  ): Write<Asset> {
    return this.assets.submitOnAsset(c, 'releaseHold', p.assetId, [], mode);
  }

  @WriteRoute(':assetId/sold', Asset, 'Mark the asset sold to an end customer')
  markSold(
    @Client() c: AuthenticatedClient,
    @Param() p: AssetIdParams,
    @EmptyBody() _b: unknown,
    @Mode() mode: WriteMode,
  ): Write<Asset> {
    return this.assets.submitOnAsset(c, 'markSold', p.assetId, [], mode);
  }

  @WriteRoute(':assetId/consume', Asset, 'Mark the asset consumed (used up in production)')
  consumeAsset(
    @Client() c: AuthenticatedClient,
    @Param() p: AssetIdParams,
    @EmptyBody() _b: unknown,
    @Mode() mode: WriteMode,
  ): Write<Asset> {
    return this.assets.submitOnAsset(c, 'consumeAsset', p.assetId, [], mode);
  }

  @WriteRoute(':assetId/destroy', Asset, 'Mark the asset destroyed')
  destroyAsset(
    @Client() c: AuthenticatedClient,
    @Param() p: AssetIdParams,
    @EmptyBody() _b: unknown,
    @Mode() mode: WriteMode,
  ): Write<Asset> {
    return this.assets.submitOnAsset(c, 'destroyAsset', p.assetId, [], mode);
  }

  // ---------------------------------------------------------------- lots and recall

  @WriteRoute(':assetId/split', SplitResult, 'Split a lot into sub-lots whose amounts sum to the parent')
  splitAsset(
    @Client() c: AuthenticatedClient,
    @Param() p: AssetIdParams,
    @Body() b: SplitDto,
    @Mode() mode: WriteMode,
  ): Write<SplitResult> {
    return this.assets.split(c, p.assetId, b, mode);
  }

  @WriteRoute(
    ':assetId/recall',
    RecallProgress,
    'Recall the asset and its descendants (first batch; continue with POST /v1/recalls/{recallId}/continue)',
  )
  recallAsset(
    @Client() c: AuthenticatedClient,
    @Param() p: AssetIdParams,
    @Body() b: ReasonDto,
    @Mode() mode: WriteMode,
  ): Write<RecallProgress> {
    return this.assets.recallAsset(c, p.assetId, b.reason, mode);
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

  @WriteRoute(':recallId/continue', RecallProgress, 'Mark the next batch of descendants')
  continueRecall(
    @Client() c: AuthenticatedClient,
    @Param() p: RecallIdParams,
    @EmptyBody() _b: unknown,
    @Mode() mode: WriteMode,
  ): Write<RecallProgress> {
    return this.assets.continueRecall(c, p.recallId, mode);
  }
}

function noPurpose(): never {
  throw new ProblemException('VALIDATION_FAILED', 'personal-data operations state their purpose', {
    errors: [{ field: 'purpose', message: 'purpose (or the X-Purpose header) is required with personalData' }],
  });
}
