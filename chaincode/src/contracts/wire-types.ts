/**
 * Schemas of the contract's inputs and answers, declared for the contract metadata (GetMetadata).
 *
 * These classes are never instantiated: every transaction takes strings (JSON for structured
 * inputs) so that the chaincode, not the shim's schema check, reports malformed input with a stable
 * error code. They exist so that `components.schemas` describes every shape a client exchanges.
 * `metadata.spec.ts` checks that they list exactly the fields of the inputs and answers.
 */
import { Object as DataType, Property } from 'fabric-contract-api';

@DataType()
export class Product {
  @Property('sku', 'string') sku!: string;
  @Property('description', 'string') description!: string;
}

@DataType()
export class Quantity {
  @Property('amount', 'number') amount!: number;
  @Property('unit', 'string') unit!: string;
}

@DataType()
export class Origin {
  @Property('site', 'string') site!: string;
  @Property('country', 'string') country!: string;
}

@DataType()
export class DocumentCommitment {
  @Property('name', 'string') name!: string;
  @Property('sha256', 'string') sha256!: string;
  @Property('addedByOrg', 'string') addedByOrg!: string;
  @Property('addedAt', 'string') addedAt!: string;
  @Property('txId', 'string') txId!: string;
}

@DataType()
export class PersonalDataRef {
  @Property('ref', 'string') ref!: string;
  @Property('commitment', 'string') commitment!: string;
  @Property('category', 'string') category!: string;
  @Property('controllerOrg', 'string') controllerOrg!: string;
  @Property('addedAt', 'string') addedAt!: string;
  @Property('updatedAt', 'string') updatedAt!: string;
  @Property('updatedTxId', 'string') updatedTxId!: string;
  @Property('erasedAt', 'string') erasedAt!: string;
}

@DataType()
export class PendingHandover {
  @Property('from', 'string') from!: string;
  @Property('to', 'string') to!: string;
  @Property('proposedAt', 'string') proposedAt!: string;
  @Property('txId', 'string') txId!: string;
}

@DataType()
export class PendingSale {
  @Property('saleId', 'string') saleId!: string;
  @Property('seller', 'string') seller!: string;
  @Property('buyer', 'string') buyer!: string;
  @Property('proposedAt', 'string') proposedAt!: string;
}

@DataType()
export class HoldInfo {
  @Property('reason', 'string') reason!: string;
  @Property('byOrg', 'string') byOrg!: string;
  @Property('byRole', 'string') byRole!: string;
  @Property('previousStatus', 'string') previousStatus!: string;
  @Property('at', 'string') at!: string;
  @Property('txId', 'string') txId!: string;
}

@DataType()
export class RecallMark {
  @Property('recallId', 'string') recallId!: string;
  @Property('rootAssetId', 'string') rootAssetId!: string;
  @Property('at', 'string') at!: string;
  @Property('txId', 'string') txId!: string;
}

@DataType()
export class Asset {
  @Property('docType', 'string') docType!: string;
  @Property('schemaVersion', 'number') schemaVersion!: number;
  @Property('id', 'string') id!: string;
  @Property('product', 'Product') product!: Product;
  @Property('quantity', 'Quantity') quantity!: Quantity;
  @Property('origin', 'Origin') origin!: Origin;
  @Property('attributes', 'Map<string, string>') attributes!: Record<string, string>;
  @Property('documents', 'DocumentCommitment[]') documents!: DocumentCommitment[];
  @Property('personalDataRefs', 'PersonalDataRef[]') personalDataRefs!: PersonalDataRef[];
  @Property('owner', 'string') owner!: string;
  @Property('custodian', 'string') custodian!: string;
  @Property('manufacturers', 'string[]') manufacturers!: string[];
  @Property('status', 'string') status!: string;
  @Property('hold', 'HoldInfo') hold!: HoldInfo;
  @Property('recall', 'RecallMark') recall!: RecallMark;
  @Property('parents', 'string[]') parents!: string[];
  @Property('children', 'string[]') children!: string[];
  @Property('pendingHandover', 'PendingHandover') pendingHandover!: PendingHandover;
  @Property('pendingSale', 'PendingSale') pendingSale!: PendingSale;
  @Property('createdAt', 'string') createdAt!: string;
  @Property('createdTxId', 'string') createdTxId!: string;
  @Property('updatedAt', 'string') updatedAt!: string;
  @Property('updatedTxId', 'string') updatedTxId!: string;
}

@DataType()
export class AssetPage {
  @Property('records', 'Asset[]') records!: Asset[];
  @Property('bookmark', 'string') bookmark!: string;
  @Property('fetchedRecordsCount', 'number') fetchedRecordsCount!: number;
}

@DataType()
export class AssetHistoryEntry {
  @Property('txId', 'string') txId!: string;
  @Property('timestamp', 'string') timestamp!: string;
  @Property('isDelete', 'boolean') isDelete!: boolean;
  @Property('asset', 'Asset') asset!: Asset;
}

@DataType()
export class AssetHistory {
  @Property('assetId', 'string') assetId!: string;
  @Property('entries', 'AssetHistoryEntry[]') entries!: AssetHistoryEntry[];
  @Property('truncated', 'boolean') truncated!: boolean;
}

@DataType()
export class LineageNode {
  @Property('id', 'string') id!: string;
  @Property('depth', 'number') depth!: number;
  @Property('sku', 'string') sku!: string;
  @Property('status', 'string') status!: string;
  @Property('owner', 'string') owner!: string;
  @Property('quantity', 'Quantity') quantity!: Quantity;
  @Property('parents', 'string[]') parents!: string[];
  @Property('children', 'string[]') children!: string[];
}

@DataType()
export class Lineage {
  @Property('assetId', 'string') assetId!: string;
  @Property('depth', 'number') depth!: number;
  @Property('ancestors', 'LineageNode[]') ancestors!: LineageNode[];
  @Property('descendants', 'LineageNode[]') descendants!: LineageNode[];
  @Property('truncated', 'boolean') truncated!: boolean;
}

@DataType()
export class SaleTerms {
  @Property('assetId', 'string') assetId!: string;
  @Property('saleId', 'string') saleId!: string;
  @Property('seller', 'string') seller!: string;
  @Property('buyer', 'string') buyer!: string;
  @Property('price', 'string') price!: string;
  @Property('currency', 'string') currency!: string;
  @Property('incoterms', 'string') incoterms!: string;
  @Property('nonce', 'string') nonce!: string;
}

@DataType()
export class TermsReceipt {
  @Property('assetId', 'string') assetId!: string;
  @Property('saleId', 'string') saleId!: string;
  @Property('org', 'string') org!: string;
  @Property('side', 'string') side!: string;
  @Property('termsHash', 'string') termsHash!: string;
}

@DataType()
export class DocumentVerification {
  @Property('assetId', 'string') assetId!: string;
  @Property('name', 'string') name!: string;
  @Property('matches', 'boolean') matches!: boolean;
  @Property('recordedSha256', 'string') recordedSha256!: string;
  @Property('addedByOrg', 'string') addedByOrg!: string;
  @Property('addedAt', 'string') addedAt!: string;
  @Property('txId', 'string') txId!: string;
}

@DataType()
export class RecallProgress {
  @Property('recallId', 'string') recallId!: string;
  @Property('rootAssetId', 'string') rootAssetId!: string;
  @Property('markedAssetIds', 'string[]') markedAssetIds!: string[];
  @Property('markedCount', 'number') markedCount!: number;
  @Property('remaining', 'number') remaining!: number;
  @Property('complete', 'boolean') complete!: boolean;
}

@DataType()
export class RecallRecord {
  @Property('docType', 'string') docType!: string;
  @Property('recallId', 'string') recallId!: string;
  @Property('rootAssetId', 'string') rootAssetId!: string;
  @Property('reason', 'string') reason!: string;
  @Property('initiatorOrg', 'string') initiatorOrg!: string;
  @Property('initiatorRole', 'string') initiatorRole!: string;
  @Property('queue', 'string[]') queue!: string[];
  @Property('markedCount', 'number') markedCount!: number;
  @Property('complete', 'boolean') complete!: boolean;
  @Property('createdAt', 'string') createdAt!: string;
  @Property('updatedAt', 'string') updatedAt!: string;
  @Property('updatedTxId', 'string') updatedTxId!: string;
}

@DataType()
export class SplitResult {
  @Property('parent', 'Asset') parent!: Asset;
  @Property('children', 'Asset[]') children!: Asset[];
}

// ---- inputs (JSON-encoded string arguments) ----

@DataType()
export class DocumentInput {
  @Property('name', 'string') name!: string;
  @Property('sha256', 'string') sha256!: string;
}

@DataType()
export class PersonalDataRefInput {
  @Property('ref', 'string') ref!: string;
  @Property('commitment', 'string') commitment!: string;
  @Property('category', 'string') category!: string;
}

@DataType()
export class CreateAssetInput {
  @Property('id', 'string') id!: string;
  @Property('product', 'Product') product!: Product;
  @Property('quantity', 'Quantity') quantity!: Quantity;
  @Property('origin', 'Origin') origin!: Origin;
  @Property('attributes', 'Map<string, string>') attributes!: Record<string, string>;
  @Property('documents', 'DocumentInput[]') documents!: DocumentInput[];
  @Property('personalDataRefs', 'PersonalDataRefInput[]') personalDataRefs!: PersonalDataRefInput[];
}

@DataType()
export class SplitPartInput {
  @Property('id', 'string') id!: string;
  @Property('amount', 'number') amount!: number;
  @Property('attributes', 'Map<string, string>') attributes!: Record<string, string>;
}

@DataType()
export class SplitInput {
  @Property('parts', 'SplitPartInput[]') parts!: SplitPartInput[];
}

@DataType()
export class MergeInput {
  @Property('newAssetId', 'string') newAssetId!: string;
  @Property('assetIds', 'string[]') assetIds!: string[];
  @Property('origin', 'Origin') origin!: Origin;
  @Property('attributes', 'Map<string, string>') attributes!: Record<string, string>;
}

@DataType()
export class AttributesUpdateInput {
  @Property('set', 'Map<string, string>') set!: Record<string, string>;
  @Property('remove', 'string[]') remove!: string[];
}

@DataType()
export class SaleTermsInput {
  @Property('price', 'string') price!: string;
  @Property('currency', 'string') currency!: string;
  @Property('incoterms', 'string') incoterms!: string;
  @Property('nonce', 'string') nonce!: string;
}

@DataType()
export class Governance {
  @Property('docType', 'string') docType!: string;
  @Property('schemaVersion', 'number') schemaVersion!: number;
  @Property('version', 'number') version!: number;
  @Property('members', 'string[]') members!: string[];
  @Property('oversight', 'string[]') oversight!: string[];
  @Property('updatedAt', 'string') updatedAt!: string;
  @Property('updatedTxId', 'string') updatedTxId!: string;
}

@DataType()
export class GovernanceInput {
  @Property('version', 'number') version!: number;
  @Property('members', 'string[]') members!: string[];
  @Property('oversight', 'string[]') oversight!: string[];
}

@DataType()
export class GovernanceApproval {
  @Property('version', 'number') version!: number;
  @Property('proposalHash', 'string') proposalHash!: string;
  @Property('approvals', 'string[]') approvals!: string[];
  @Property('needed', 'number') needed!: number;
  @Property('applied', 'boolean') applied!: boolean;
}

@DataType()
export class TermsPurge {
  @Property('assetId', 'string') assetId!: string;
  @Property('saleId', 'string') saleId!: string;
  @Property('org', 'string') org!: string;
}

// ---- migration (waybill migrate) ----

@DataType()
export class KeyPolicy {
  @Property('orgs', 'string[]') orgs!: string[];
  @Property('n', 'number') n!: number;
}

@DataType()
export class AssetExport {
  @Property('asset', 'Asset') asset!: Asset;
  @Property('endorsement', 'KeyPolicy') endorsement!: KeyPolicy;
}

@DataType()
export class AssetExportPage {
  @Property('records', 'AssetExport[]') records!: AssetExport[];
  @Property('bookmark', 'string') bookmark!: string;
}

@DataType()
export class RecallExportPage {
  @Property('records', 'RecallRecord[]') records!: RecallRecord[];
  @Property('lastTxIds', 'string[]') lastTxIds!: string[];
  @Property('bookmark', 'string') bookmark!: string;
}

@DataType()
export class MigrationAttestationInput {
  @Property('root', 'string') root!: string;
  @Property('recordCount', 'number') recordCount!: number;
  @Property('exportSha256', 'string') exportSha256!: string;
  @Property('sourceChannel', 'string') sourceChannel!: string;
}

@DataType()
export class MigrationAttestation {
  @Property('docType', 'string') docType!: string;
  @Property('root', 'string') root!: string;
  @Property('recordCount', 'number') recordCount!: number;
  @Property('exportSha256', 'string') exportSha256!: string;
  @Property('sourceChannel', 'string') sourceChannel!: string;
  @Property('mspId', 'string') mspId!: string;
  @Property('at', 'string') at!: string;
  @Property('txId', 'string') txId!: string;
}

@DataType()
export class ImportedCounts {
  @Property('asset', 'number') asset!: number;
  @Property('recall', 'number') recall!: number;
}

@DataType()
export class MigrationImport {
  @Property('docType', 'string') docType!: string;
  @Property('root', 'string') root!: string;
  @Property('recordCount', 'number') recordCount!: number;
  @Property('exportSha256', 'string') exportSha256!: string;
  @Property('sourceChannel', 'string') sourceChannel!: string;
  @Property('nextIndex', 'number') nextIndex!: number;
  @Property('imported', 'ImportedCounts') imported!: ImportedCounts;
  @Property('complete', 'boolean') complete!: boolean;
  @Property('updatedAt', 'string') updatedAt!: string;
  @Property('updatedTxId', 'string') updatedTxId!: string;
}

@DataType()
export class MigrationStatus {
  @Property('root', 'string') root!: string;
  @Property('attestations', 'MigrationAttestation[]') attestations!: MigrationAttestation[];
  @Property('attestedBy', 'string[]') attestedBy!: string[];
  @Property('required', 'number') required!: number;
  @Property('import', 'MigrationImport') import!: MigrationImport;
}

@DataType()
export class Provenance {
  @Property('channel', 'string') channel!: string;
  @Property('blockNumber', 'number') blockNumber!: number;
  @Property('txId', 'string') txId!: string;
  @Property('blockHash', 'string') blockHash!: string;
}

@DataType()
export class ImportProvenance {
  @Property('docType', 'string') docType!: string;
  @Property('assetId', 'string') assetId!: string;
  @Property('root', 'string') root!: string;
  @Property('index', 'number') index!: number;
  @Property('source', 'Provenance') source!: Provenance;
  @Property('importedAt', 'string') importedAt!: string;
  @Property('importedTxId', 'string') importedTxId!: string;
}
