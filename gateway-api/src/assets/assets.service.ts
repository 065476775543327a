import { CursorCodec } from '../crypto/cursor-codec';
import { LIMITS, TRANSIENT_TERMS_KEY } from '@waybill/chaincode/constants';
import type { AuthenticatedClient } from '../common/client';
import { ProblemException } from '../common/problems';
import type { JsonBytes, WriteMode, WriteOutcome } from '../common/write-outcome';
import type { LedgerService, SubmitPlan } from '../ledger/ledger.service';
import type { MinBlock } from '../ledger/min-block';
import type {
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
import type { ReadModelService } from '../read-model/read-model.service';
import { endorsingOrganizations, type Holders, needsAssets, type SubmitTransaction } from './endorsement';
import type {
  AttributesUpdateDto,
  CreateAssetDto,
  ListAssetsQuery,
  MergeDto,
  SaleTermsDto,
  SplitDto,
} from './dto/asset-inputs.dto';

/** List filters served by a ledger index, in the order one is picked as the index. */
const INDEXES = [
  { field: 'sku', transaction: 'listAssetsBySku' },
  { field: 'owner', transaction: 'listAssetsByOwner' },
  { field: 'custodian', transaction: 'listAssetsByCustodian' },
  { field: 'status', transaction: 'listAssetsByStatus' },
] as const;
type Filter = (typeof INDEXES)[number]['field'];

/** Query parameters only the read model answers. */
const READ_MODEL_ONLY = ['q', 'createdFrom', 'createdTo', 'updatedFrom', 'updatedTo', 'sort'] as const;

const DEFAULT_PAGE_SIZE = 20;
const DEFAULT_LINEAGE_DEPTH = 3;

/**
 * The asset operations of the API, one chaincode transaction each. Reads evaluate; writes submit
 * with the endorsing organisations the chaincode's policies need, read from the asset's current
 * owner and custodian for every attempt.
 */
export class AssetsService {
  constructor(
    private readonly ledger: LedgerService,
    /** MSP IDs of every organisation of the channel (connection profile). */
    private readonly channelOrganizations: readonly string[],
    /** Signs the page cursors handed to clients. */
    private readonly cursors: CursorCodec,
    /** The asset read model; absent when event processing is off. */
    private readonly readModel?: ReadModelService,
  ) {}

  // ------------------------------------------------------------------ reads
  // Plain reads hand the chaincode's JSON through as bytes (see LedgerService.evaluateJson).

  get(client: AuthenticatedClient, assetId: string): Promise<JsonBytes<Asset>> {
    return this.ledger.evaluateJson<Asset>(client, 'getAsset', [assetId]);
  }

  history(client: AuthenticatedClient, assetId: string): Promise<JsonBytes<AssetHistory>> {
    return this.ledger.evaluateJson<AssetHistory>(client, 'getAssetHistory', [assetId]);
  }

  lineage(
    client: AuthenticatedClient,
    assetId: string,
    depth = DEFAULT_LINEAGE_DEPTH,
  ): Promise<JsonBytes<Lineage>> {
    return this.ledger.evaluateJson<Lineage>(client, 'getLineage', [assetId, String(depth)]);
  }

  verifyDocument(
    client: AuthenticatedClient,
    assetId: string,
    name: string,
    sha256: string,
  ): Promise<JsonBytes<DocumentVerification>> {
    return this.ledger.evaluateJson<DocumentVerification>(client, 'verifyDocument', [assetId, name, sha256]);
  }

  saleTerms(client: AuthenticatedClient, assetId: string): Promise<JsonBytes<SaleTerms>> {
    return this.ledger.evaluateJson<SaleTerms>(client, 'getTerms', [assetId]);
  }

  recall(client: AuthenticatedClient, recallId: string): Promise<JsonBytes<RecallRecord>> {
    return this.ledger.evaluateJson<RecallRecord>(client, 'getRecall', [recallId]);
  }

  /**
   * One page of assets. The most selective given filter is answered by its ledger index; the other
   * filters are applied to that page, so a page may hold fewer than `limit` items (even none)
   * while `nextCursor` is still set.
   * @throws {@link ProblemException} VALIDATION_FAILED with a cursor of another query.
   */
  async list(client: AuthenticatedClient, query: ListAssetsQuery, minBlock?: MinBlock): Promise<AssetList> {
    const rich = READ_MODEL_ONLY.filter((f) => query[f] !== undefined);
    const filters: Partial<Record<Filter, string>> = {};
    for (const { field } of INDEXES) if (query[field] !== undefined) filters[field] = query[field];
    const index = INDEXES.find((i) => filters[i.field] !== undefined);
    // The ledger's indexes answer one filter at least and nothing else; the read model all the rest.
    if (query.source === 'read-model' || rich.length > 0 || !index) return this.#listReadModel(query, minBlock);
    const fingerprint = JSON.stringify(INDEXES.map((i) => filters[i.field] ?? null));
    const bookmark = query.cursor === undefined ? '' : decodeCursor(this.cursors, query.cursor, fingerprint);
    const limit = Math.min(query.limit ?? DEFAULT_PAGE_SIZE, LIMITS.MAX_PAGE_SIZE);
    const page = await this.ledger.evaluate<{ records: Asset[]; bookmark: string }>(
      client,
      index.transaction,
      [filters[index.field] ?? '', String(limit), bookmark],
    );
    const items = page.records.filter((a) =>
      INDEXES.every(({ field }) => filters[field] === undefined || fieldOf(a, field) === filters[field]),
    );
    return { items, nextCursor: page.bookmark ? encodeCursor(this.cursors, page.bookmark, fingerprint) : null };
  }

  async #listReadModel(query: ListAssetsQuery, minBlock: MinBlock | undefined): Promise<AssetList> {
    if (!this.readModel) {
      throw new ProblemException('EVENTS_DISABLED', 'the read model is off on this gateway (WAYBILL_EVENTS_ENABLED)');
    }
    // X-Min-Block: the ledger holds the block already (the interceptor waited); the projection may lag.
    if (minBlock) await this.readModel.waitForBlock(minBlock.block, minBlock.deadline);
    const time = (v: string | undefined) => (v === undefined ? undefined : Date.parse(v));
    const filters = {
      owner: query.owner,
      custodian: query.custodian,
      status: query.status,
      sku: query.sku,
      q: query.q,
      createdFrom: time(query.createdFrom),
      createdTo: time(query.createdTo),
      updatedFrom: time(query.updatedFrom),
      updatedTo: time(query.updatedTo),
      sort: query.sort ?? 'id',
    };
    const fingerprint = JSON.stringify(filters);
    const offset = query.cursor === undefined ? 0 : Number(decodeCursor(this.cursors, query.cursor, fingerprint));
    if (!Number.isSafeInteger(offset) || offset < 0) throw badCursor();
    const limit = Math.min(query.limit ?? DEFAULT_PAGE_SIZE, LIMITS.MAX_PAGE_SIZE);
    const defined = Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined));
    const [page, status] = await Promise.all([
      this.readModel.query({ ...defined, sort: filters.sort, offset, limit }),
      this.readModel.status(),
    ]);
    return {
      items: page.items.map((json) => JSON.parse(json) as Asset),
      nextCursor: page.more ? encodeCursor(this.cursors, String(offset + limit), fingerprint) : null,
      readModel: {
        ledgerHeight: status.ledgerHeight,
        projectedBlock: status.projectedBlock,
        lagBlocks: status.lagBlocks,
      },
    };
  }

  // ------------------------------------------------------------------ writes

  /**
   * Creates an asset. `personalDataRefs` come from the personal-data service (which stored the
   * values off-chain); personal values themselves never reach this method's payload.
   */
  create(
    client: AuthenticatedClient,
    input: CreateAssetDto,
    mode: WriteMode,
    personalDataRefs: readonly { ref: string; commitment: string; category: string }[] = [],
  ): Promise<WriteOutcome<Asset>> {
    const { personalData: _values, purpose: _purpose, ...fields } = input;
    const payload = {
      ...fields,
      attributes: input.attributes ?? {},
      documents: input.documents ?? [],
      ...(personalDataRefs.length > 0 ? { personalDataRefs } : {}),
    };
    return this.#write<Asset>(client, 'createAsset', [], [JSON.stringify(payload)], mode);
  }

  /** Submits a transaction on one existing asset whose only arguments are the asset id and `args`. */
  submitOnAsset<T = Asset>(
    client: AuthenticatedClient,
    transaction: Exclude<
      SubmitTransaction,
      'createAsset' | 'mergeAssets' | 'agreeSaleTerms' | 'continueRecall'
    >,
    assetId: string,
    args: readonly string[],
    mode: WriteMode,
  ): Promise<WriteOutcome<T>> {
    return this.#write<T>(client, transaction, [assetId], [assetId, ...args], mode);
  }

  split(
    client: AuthenticatedClient,
    assetId: string,
    input: SplitDto,
    mode: WriteMode,
  ): Promise<WriteOutcome<SplitResult>> {
    return this.#write<SplitResult>(client, 'splitAsset', [assetId], [assetId, JSON.stringify(input)], mode);
  }

  merge(client: AuthenticatedClient, input: MergeDto, mode: WriteMode): Promise<WriteOutcome<Asset>> {
    const payload = { ...input, attributes: input.attributes ?? {} };
    return this.#write<Asset>(client, 'mergeAssets', input.assetIds, [JSON.stringify(payload)], mode);
  }

  updateAttributes(
    client: AuthenticatedClient,
    assetId: string,
    input: AttributesUpdateDto,
    mode: WriteMode,
  ): Promise<WriteOutcome<Asset>> {
    const payload = { set: input.set ?? {}, remove: input.remove ?? [] };
    return this.submitOnAsset(client, 'updateAttributes', assetId, [JSON.stringify(payload)], mode);
  }

  /** Records this organisation's side of the sale terms; they travel as transient data only. */
  agreeSaleTerms(
    client: AuthenticatedClient,
    assetId: string,
    terms: SaleTermsDto,
    mode: WriteMode,
  ): Promise<WriteOutcome<TermsReceipt>> {
    const transient = { [TRANSIENT_TERMS_KEY]: JSON.stringify(terms) };
    return this.#write<TermsReceipt>(client, 'agreeSaleTerms', [assetId], [assetId], mode, transient);
  }

  recallAsset(
    client: AuthenticatedClient,
    assetId: string,
    reason: string,
    mode: WriteMode,
  ): Promise<WriteOutcome<RecallProgress>> {
    return this.#write<RecallProgress>(client, 'recallAsset', [assetId], [assetId, reason], mode);
  }

  continueRecall(
    client: AuthenticatedClient,
    recallId: string,
    mode: WriteMode,
  ): Promise<WriteOutcome<RecallProgress>> {
    return this.#write<RecallProgress>(client, 'continueRecall', [], [recallId], mode);
  }

  /**
   * Submits with the endorsing organisations of the transaction's rule. When the rule names
   * holders or the buyer, the written assets are read first, on every attempt: a retry after a
   * conflict must follow the owner, custodian and pending sale as they are now.
   */
  #write<T>(
    client: AuthenticatedClient,
    transaction: SubmitTransaction,
    writtenAssetIds: readonly string[],
    args: readonly string[],
    mode: WriteMode,
    transient?: Record<string, string>,
  ): Promise<WriteOutcome<T>> {
    const readFirst = needsAssets(transaction);
    const plan = async (): Promise<SubmitPlan> => {
      const holders: Holders[] = readFirst
        ? await Promise.all(
            writtenAssetIds.map((id) => this.ledger.evaluate<Asset>(client, 'getAsset', [id])),
          )
        : [];
      return {
        args,
        ...(transient ? { transient } : {}),
        endorsingOrganizations: endorsingOrganizations(
          transaction,
          holders,
          client.mspId,
          this.channelOrganizations,
        ),
      };
    };
    return this.ledger.submit<T>(client, transaction, plan, mode);
  }
}

function fieldOf(asset: Asset, field: Filter): string {
  return field === 'sku' ? asset.product.sku : asset[field];
}

function encodeCursor(cursors: CursorCodec, bookmark: string, fingerprint: string): string {
  return cursors.encode({ b: bookmark, f: fingerprint });
}

/** The bookmark inside a cursor this gateway issued for the same query; a 400 for anything else. */
function decodeCursor(cursors: CursorCodec, cursor: string, fingerprint: string): string {
  const parsed = cursors.decode(cursor) as { b?: unknown; f?: unknown } | undefined;
  if (typeof parsed === 'object' && parsed !== null && typeof parsed.b === 'string' && parsed.f === fingerprint)
    return parsed.b;
  throw badCursor();
}

function badCursor(): ProblemException {
  return new ProblemException('VALIDATION_FAILED', 'the cursor does not belong to this query', {
    errors: [{ field: 'cursor', message: 'pass nextCursor of the previous page with the same filters' }],
  });
}
