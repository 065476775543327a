import { Context, Contract, Info, Param, Returns, Transaction } from 'fabric-contract-api';
import { CONTRACT_NAME, type TransactionName } from '../constants';
import { requireRoleBoundToOrg } from '../access/org-binding';
import type { Governance } from '../domain/governance';
import type { Asset, AssetHistory, AssetPage, Lineage, SplitResult } from '../domain/asset';
import type { DocumentVerification } from '../domain/document-verification';
import type { RecallProgress, RecallRecord } from '../domain/recall';
import type { SaleTerms, TermsReceipt } from '../domain/sale-terms';
import type {
  AssetExportPage,
  ImportProvenance,
  MigrationAttestation,
  MigrationImport,
  MigrationStatus,
  RecallExportPage,
} from '../migration/records';
import { WaybillError } from '../domain/errors';
import * as custody from './operations/custody';
import * as governance from './operations/governance';
import type { GovernanceApproval } from './operations/governance';
import * as lifecycle from './operations/lifecycle';
import * as lots from './operations/lots';
import * as migration from './operations/migration';
import * as queries from './operations/queries';
import * as recalls from './operations/recalls';
import * as records from './operations/records';
import * as sales from './operations/sales';
import { TxContext } from './tx-context';
import './wire-types';

/** Transactions that run before or without a governance record (they check their callers themselves). */
const UNBOUND_TRANSACTIONS: readonly TransactionName[] = ['initGovernance', 'getGovernance'];

const ID = 'asset id (PATTERNS.ID)';
const ORG = 'MSP id of an organisation (PATTERNS.MSP_ID)';
const PAGE_SIZE = 'page size, 1..LIMITS.MAX_PAGE_SIZE';
const BOOKMARK = 'bookmark from the previous page, empty for the first page';

/**
 * The `waybill` contract: the transaction surface of the chaincode.
 *
 * Every method is a thin adapter from Fabric's context to an operation in `./operations`; access
 * rules, validation, state transitions, indexes, endorsement policies and the single event per
 * transaction live there. Inputs are strings (JSON for structured ones) so that malformed input is
 * reported by the chaincode with a stable error code rather than by the shim's schema check.
 */
@Info({
  title: 'waybill',
  description: 'Supply-chain ledger: asset lifecycle, custody, title, lineage, recall, private sale terms',
})
export class WaybillContract extends Contract {
  constructor() {
    super(CONTRACT_NAME);
  }

  /**
   * Before every transaction: the caller's role must be one its organisation may use according to
   * the channel's governance record (a regulator only in a designated oversight organisation,
   * whatever its own CA wrote into the certificate). `initGovernance` checks its caller itself.
   */
  override async beforeTransaction(ctx: Context): Promise<void> {
    const { fcn } = ctx.stub.getFunctionAndParameters();
    const name = fcn.startsWith(`${CONTRACT_NAME}:`) ? fcn.slice(CONTRACT_NAME.length + 1) : fcn;
    if (UNBOUND_TRANSACTIONS.includes(name as TransactionName)) {
      return;
    }
    const tx = TxContext.of(ctx);
    const caller = tx.caller;
    requireRoleBoundToOrg(caller, await tx.governance.get());
  }

  /** Rejects unknown transaction names with a coded error (the default message has no code). */
  override unknownTransaction(ctx: Context): Promise<void> {
    const { fcn } = ctx.stub.getFunctionAndParameters();
    return Promise.reject(WaybillError.invalidArgument(`unknown transaction '${fcn}'`));
  }

  // ---------------------------------------------------------------- lifecycle

  @Transaction()
  @Param('input', 'string', 'JSON-encoded CreateAssetInput')
  @Returns('Asset')
  public async createAsset(ctx: Context, input: string): Promise<Asset> {
    return lifecycle.createAsset(TxContext.of(ctx), input);
  }

  @Transaction()
  @Param('assetId', 'string', ID)
  @Param('reason', 'string', 'why the asset is held (no personal data), 1..256 characters')
  @Returns('Asset')
  public async putOnHold(ctx: Context, assetId: string, reason: string): Promise<Asset> {
    return lifecycle.putOnHold(TxContext.of(ctx), assetId, reason);
  }

  @Transaction()
  @Param('assetId', 'string', ID)
  @Returns('Asset')
  public async releaseHold(ctx: Context, assetId: string): Promise<Asset> {
    return lifecycle.releaseHold(TxContext.of(ctx), assetId);
  }

  @Transaction()
  @Param('assetId', 'string', ID)
  @Returns('Asset')
  public async markSold(ctx: Context, assetId: string): Promise<Asset> {
    return lifecycle.markSold(TxContext.of(ctx), assetId);
  }

  @Transaction()
  @Param('assetId', 'string', ID)
  @Returns('Asset')
  public async consumeAsset(ctx: Context, assetId: string): Promise<Asset> {
    return lifecycle.consumeAsset(TxContext.of(ctx), assetId);
  }

  @Transaction()
  @Param('assetId', 'string', ID)
  @Returns('Asset')
  public async destroyAsset(ctx: Context, assetId: string): Promise<Asset> {
    return lifecycle.destroyAsset(TxContext.of(ctx), assetId);
  }

  // ---------------------------------------------------------------- custody

  @Transaction()
  @Param('assetId', 'string', ID)
  @Param('toOrg', 'string', ORG)
  @Returns('Asset')
  public async proposeHandover(ctx: Context, assetId: string, toOrg: string): Promise<Asset> {
    return custody.proposeHandover(TxContext.of(ctx), assetId, toOrg);
  }

  @Transaction()
  @Param('assetId', 'string', ID)
  @Returns('Asset')
  public async acceptHandover(ctx: Context, assetId: string): Promise<Asset> {
    return custody.acceptHandover(TxContext.of(ctx), assetId);
  }

  @Transaction()
  @Param('assetId', 'string', ID)
  @Returns('Asset')
  public async rejectHandover(ctx: Context, assetId: string): Promise<Asset> {
    return custody.rejectHandover(TxContext.of(ctx), assetId);
  }

  @Transaction()
  @Param('assetId', 'string', ID)
  @Returns('Asset')
  public async cancelHandover(ctx: Context, assetId: string): Promise<Asset> {
    return custody.cancelHandover(TxContext.of(ctx), assetId);
  }

  // ---------------------------------------------------------------- title (sale)

  @Transaction()
  @Param('assetId', 'string', ID)
  @Param('buyerOrg', 'string', ORG)
  @Returns('Asset')
  public async proposeSale(ctx: Context, assetId: string, buyerOrg: string): Promise<Asset> {
    return sales.proposeSale(TxContext.of(ctx), assetId, buyerOrg);
  }

  @Transaction()
  @Param('assetId', 'string', `${ID}; terms travel in the transient map under 'terms' (SaleTermsInput JSON)`)
  @Returns('TermsReceipt')
  public async agreeSaleTerms(ctx: Context, assetId: string): Promise<TermsReceipt> {
    return sales.agreeSaleTerms(TxContext.of(ctx), assetId);
  }

  @Transaction()
  @Param('assetId', 'string', ID)
  @Param('saleId', 'string', 'id of a sale that is no longer pending')
  @Returns('TermsPurge')
  public async purgeTerms(ctx: Context, assetId: string, saleId: string): Promise<sales.TermsPurge> {
    return sales.purgeTerms(TxContext.of(ctx), assetId, saleId);
  }

  @Transaction()
  @Param('assetId', 'string', ID)
  @Returns('Asset')
  public async acceptSale(ctx: Context, assetId: string): Promise<Asset> {
    return sales.acceptSale(TxContext.of(ctx), assetId);
  }

  @Transaction()
  @Param('assetId', 'string', ID)
  @Returns('Asset')
  public async rejectSale(ctx: Context, assetId: string): Promise<Asset> {
    return sales.rejectSale(TxContext.of(ctx), assetId);
  }

  @Transaction()
  @Param('assetId', 'string', ID)
  @Returns('Asset')
  public async cancelSale(ctx: Context, assetId: string): Promise<Asset> {
    return sales.cancelSale(TxContext.of(ctx), assetId);
  }

  @Transaction(false)
  @Param('assetId', 'string', ID)
  @Returns('SaleTerms')
  public async getTerms(ctx: Context, assetId: string): Promise<SaleTerms> {
    return sales.getTerms(TxContext.of(ctx), assetId);
  }

  // ---------------------------------------------------------------- lots (split / merge)

  @Transaction()
  @Param('assetId', 'string', ID)
  @Param('input', 'string', 'JSON-encoded SplitInput')
  @Returns('SplitResult')
  public async splitAsset(ctx: Context, assetId: string, input: string): Promise<SplitResult> {
    return lots.splitAsset(TxContext.of(ctx), assetId, input);
  }

  @Transaction()
  @Param('input', 'string', 'JSON-encoded MergeInput')
  @Returns('Asset')
  public async mergeAssets(ctx: Context, input: string): Promise<Asset> {
    return lots.mergeAssets(TxContext.of(ctx), input);
  }

  // ---------------------------------------------------------------- recall

  @Transaction()
  @Param('assetId', 'string', ID)
  @Param('reason', 'string', 'why the product is recalled (no personal data), 1..256 characters')
  @Returns('RecallProgress')
  public async recallAsset(ctx: Context, assetId: string, reason: string): Promise<RecallProgress> {
    return recalls.recallAsset(TxContext.of(ctx), assetId, reason);
  }

  @Transaction()
  @Param('recallId', 'string', 'recall id returned by recallAsset')
  @Returns('RecallProgress')
  public async continueRecall(ctx: Context, recallId: string): Promise<RecallProgress> {
    return recalls.continueRecall(TxContext.of(ctx), recallId);
  }

  @Transaction(false)
  @Param('recallId', 'string', 'recall id returned by recallAsset')
  @Returns('RecallRecord')
  public async getRecall(ctx: Context, recallId: string): Promise<RecallRecord> {
    return recalls.getRecall(TxContext.of(ctx), recallId);
  }

  // ---------------------------------------------------------------- records

  @Transaction()
  @Param('assetId', 'string', ID)
  @Param('input', 'string', 'JSON-encoded AttributesUpdateInput')
  @Returns('Asset')
  public async updateAttributes(ctx: Context, assetId: string, input: string): Promise<Asset> {
    return records.updateAttributes(TxContext.of(ctx), assetId, input);
  }

  @Transaction()
  @Param('assetId', 'string', ID)
  @Param('name', 'string', 'document name, unique per asset, 1..128 characters')
  @Param('sha256', 'string', 'SHA-256 of the document, 64 hex')
  @Returns('Asset')
  public async addDocument(ctx: Context, assetId: string, name: string, sha256: string): Promise<Asset> {
    return records.addDocument(TxContext.of(ctx), assetId, name, sha256);
  }

  @Transaction(false)
  @Param('assetId', 'string', ID)
  @Param('name', 'string', 'document name')
  @Param('sha256', 'string', 'SHA-256 of the document to verify, 64 hex')
  @Returns('DocumentVerification')
  public async verifyDocument(
    ctx: Context,
    assetId: string,
    name: string,
    sha256: string,
  ): Promise<DocumentVerification> {
    return records.verifyDocument(TxContext.of(ctx), assetId, name, sha256);
  }

  @Transaction()
  @Param('assetId', 'string', ID)
  @Param('input', 'string', 'JSON-encoded PersonalDataRefInput')
  @Returns('Asset')
  public async upsertPersonalDataRef(ctx: Context, assetId: string, input: string): Promise<Asset> {
    return records.upsertPersonalDataRef(TxContext.of(ctx), assetId, input);
  }

  @Transaction()
  @Param('assetId', 'string', ID)
  @Param('ref', 'string', 'personal-data reference (PATTERNS.PERSONAL_DATA_REF)')
  @Returns('Asset')
  public async erasePersonalDataRef(ctx: Context, assetId: string, ref: string): Promise<Asset> {
    return records.erasePersonalDataRef(TxContext.of(ctx), assetId, ref);
  }

  // ---------------------------------------------------------------- queries

  @Transaction(false)
  @Param('assetId', 'string', ID)
  @Returns('Asset')
  public async getAsset(ctx: Context, assetId: string): Promise<Asset> {
    return queries.getAsset(TxContext.of(ctx), assetId);
  }

  @Transaction(false)
  @Param('assetId', 'string', ID)
  @Returns('boolean')
  public async assetExists(ctx: Context, assetId: string): Promise<boolean> {
    return queries.assetExists(TxContext.of(ctx), assetId);
  }

  @Transaction(false)
  @Param('assetId', 'string', ID)
  @Returns('AssetHistory')
  public async getAssetHistory(ctx: Context, assetId: string): Promise<AssetHistory> {
    return queries.getAssetHistory(TxContext.of(ctx), assetId);
  }

  @Transaction(false)
  @Param('assetId', 'string', ID)
  @Param('depth', 'number', 'levels to walk in each direction, 1..LIMITS.MAX_LINEAGE_DEPTH')
  @Returns('Lineage')
  public async getLineage(ctx: Context, assetId: string, depth: number): Promise<Lineage> {
    return queries.getLineage(TxContext.of(ctx), assetId, depth);
  }

  @Transaction(false)
  @Param('owner', 'string', ORG)
  @Param('pageSize', 'number', PAGE_SIZE)
  @Param('bookmark', 'string', BOOKMARK)
  @Returns('AssetPage')
  public async listAssetsByOwner(ctx: Context, owner: string, pageSize: number, bookmark: string): Promise<AssetPage> {
    return queries.listAssets(TxContext.of(ctx), 'owner', owner, pageSize, bookmark);
  }

  @Transaction(false)
  @Param('custodian', 'string', ORG)
  @Param('pageSize', 'number', PAGE_SIZE)
  @Param('bookmark', 'string', BOOKMARK)
  @Returns('AssetPage')
  public async listAssetsByCustodian(
    ctx: Context,
    custodian: string,
    pageSize: number,
    bookmark: string,
  ): Promise<AssetPage> {
    return queries.listAssets(TxContext.of(ctx), 'custodian', custodian, pageSize, bookmark);
  }

  @Transaction(false)
  @Param('status', 'string', 'an ASSET_STATUSES value')
  @Param('pageSize', 'number', PAGE_SIZE)
  @Param('bookmark', 'string', BOOKMARK)
  @Returns('AssetPage')
  public async listAssetsByStatus(
    ctx: Context,
    status: string,
    pageSize: number,
    bookmark: string,
  ): Promise<AssetPage> {
    return queries.listAssets(TxContext.of(ctx), 'status', status, pageSize, bookmark);
  }

  @Transaction(false)
  @Param('sku', 'string', 'product SKU (PATTERNS.SKU)')
  @Param('pageSize', 'number', PAGE_SIZE)
  @Param('bookmark', 'string', BOOKMARK)
  @Returns('AssetPage')
  public async listAssetsBySku(ctx: Context, sku: string, pageSize: number, bookmark: string): Promise<AssetPage> {
    return queries.listAssets(TxContext.of(ctx), 'sku', sku, pageSize, bookmark);
  }

  // ---------------------------------------------------------------- governance

  @Transaction()
  @Param('input', 'string', 'JSON-encoded GovernanceInput with version 1')
  @Returns('Governance')
  public async initGovernance(ctx: Context, input: string): Promise<Governance> {
    return governance.initGovernance(TxContext.of(ctx), input);
  }

  @Transaction()
  @Param('input', 'string', 'JSON-encoded GovernanceInput: the next version of the record')
  @Returns('GovernanceApproval')
  public async approveGovernance(ctx: Context, input: string): Promise<GovernanceApproval> {
    return governance.approveGovernance(TxContext.of(ctx), input);
  }

  @Transaction(false)
  @Returns('Governance')
  public async getGovernance(ctx: Context): Promise<Governance> {
    return governance.getGovernance(TxContext.of(ctx));
  }

  // ---------------------------------------------------------------- migration (waybill migrate)

  @Transaction(false)
  @Param('pageSize', 'number', PAGE_SIZE)
  @Param('bookmark', 'string', BOOKMARK)
  @Returns('AssetExportPage')
  public async exportAssets(ctx: Context, pageSize: number, bookmark: string): Promise<AssetExportPage> {
    return migration.exportAssets(TxContext.of(ctx), pageSize, bookmark);
  }

  @Transaction(false)
  @Param('pageSize', 'number', PAGE_SIZE)
  @Param('bookmark', 'string', BOOKMARK)
  @Returns('RecallExportPage')
  public async exportRecalls(ctx: Context, pageSize: number, bookmark: string): Promise<RecallExportPage> {
    return migration.exportRecalls(TxContext.of(ctx), pageSize, bookmark);
  }

  @Transaction()
  @Param('input', 'string', 'JSON-encoded MigrationAttestationInput (root, recordCount, exportSha256, sourceChannel)')
  @Returns('MigrationAttestation')
  public async attestMigration(ctx: Context, input: string): Promise<MigrationAttestation> {
    return migration.attestMigration(TxContext.of(ctx), input);
  }

  @Transaction()
  @Param('root', 'string', 'hex Merkle root a majority attested')
  @Param('input', 'string', 'JSON {records: [{record, proof}]}: the next records in export order with their audit paths')
  @Returns('MigrationImport')
  public async importRecords(ctx: Context, root: string, input: string): Promise<MigrationImport> {
    return migration.importRecords(TxContext.of(ctx), root, input);
  }

  @Transaction(false)
  @Param('root', 'string', 'hex Merkle root of an export')
  @Returns('MigrationStatus')
  public async getMigration(ctx: Context, root: string): Promise<MigrationStatus> {
    return migration.getMigration(TxContext.of(ctx), root);
  }

  @Transaction(false)
  @Param('assetId', 'string', ID)
  @Returns('ImportProvenance')
  public async getImportProvenance(ctx: Context, assetId: string): Promise<ImportProvenance> {
    return migration.getImportProvenance(TxContext.of(ctx), assetId);
  }
}
