import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ALL_ASSET_STATUSES,
  type AssetStatus,
  INCOTERMS,
  PERSONAL_DATA_CATEGORIES,
} from '@waybill/chaincode/constants';

/*
 * Shapes the ledger returns, as the API serves them unchanged. Classes (not interfaces) so that
 * the OpenAPI document describes them; the chaincode's docs/chaincode.md is the authority.
 */

const nullable = { nullable: true } as const;

export class ProductView {
  @ApiProperty() sku!: string;
  @ApiProperty() description!: string;
}

export class QuantityView {
  @ApiProperty() amount!: number;
  @ApiProperty() unit!: string;
}

export class OriginView {
  @ApiProperty() site!: string;
  @ApiProperty({ description: 'ISO 3166-1 alpha-2' }) country!: string;
}

export class DocumentCommitmentView {
  @ApiProperty() name!: string;
  @ApiProperty() sha256!: string;
  @ApiProperty() addedByOrg!: string;
  @ApiProperty({ format: 'date-time' }) addedAt!: string;
  @ApiProperty() txId!: string;
}

export class PersonalDataRefView {
  @ApiProperty() ref!: string;
  @ApiProperty({ type: String, ...nullable, description: 'Salted commitment; null once erased' })
  commitment!: string | null;
  @ApiProperty({ enum: PERSONAL_DATA_CATEGORIES }) category!: string;
  @ApiProperty() controllerOrg!: string;
  @ApiProperty({ format: 'date-time' }) addedAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty() updatedTxId!: string;
  @ApiProperty({ type: String, format: 'date-time', ...nullable }) erasedAt!: string | null;
}

export class PendingHandoverView {
  @ApiProperty() from!: string;
  @ApiProperty() to!: string;
  @ApiProperty({ format: 'date-time' }) proposedAt!: string;
  @ApiProperty() txId!: string;
}

export class PendingSaleView {
  @ApiProperty({ description: 'Transaction ID of proposeSale' }) saleId!: string;
  @ApiProperty() seller!: string;
  @ApiProperty() buyer!: string;
  @ApiProperty({ format: 'date-time' }) proposedAt!: string;
}

export class HoldView {
  @ApiProperty() reason!: string;
  @ApiProperty() byOrg!: string;
  @ApiProperty() byRole!: string;
  @ApiProperty({ enum: ALL_ASSET_STATUSES }) previousStatus!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty() txId!: string;
}

export class RecallMarkView {
  @ApiProperty() recallId!: string;
  @ApiProperty() rootAssetId!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty() txId!: string;
}

export class Asset {
  @ApiProperty({ example: 'waybill.asset' }) docType!: string;
  @ApiProperty({ example: 1 }) schemaVersion!: number;
  @ApiProperty() id!: string;
  @ApiProperty({ type: ProductView }) product!: ProductView;
  @ApiProperty({ type: QuantityView }) quantity!: QuantityView;
  @ApiProperty({ type: OriginView }) origin!: OriginView;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) attributes!: Record<
    string,
    string
  >;
  @ApiProperty({ type: [DocumentCommitmentView] }) documents!: DocumentCommitmentView[];
  @ApiProperty({ type: [PersonalDataRefView] }) personalDataRefs!: PersonalDataRefView[];
  @ApiProperty({ description: 'MSP ID holding title' }) owner!: string;
  @ApiProperty({ description: 'MSP ID in physical possession' }) custodian!: string;
  @ApiProperty({ type: [String] }) manufacturers!: string[];
  @ApiProperty({ enum: ALL_ASSET_STATUSES }) status!: AssetStatus;
  @ApiProperty({ type: HoldView, ...nullable }) hold!: HoldView | null;
  @ApiProperty({ type: RecallMarkView, ...nullable }) recall!: RecallMarkView | null;
  @ApiProperty({ type: [String] }) parents!: string[];
  @ApiProperty({ type: [String] }) children!: string[];
  @ApiProperty({ type: PendingHandoverView, ...nullable }) pendingHandover!: PendingHandoverView | null;
  @ApiProperty({ type: PendingSaleView, ...nullable }) pendingSale!: PendingSaleView | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty() createdTxId!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty() updatedTxId!: string;
}

export class ReadModelLag {
  @ApiProperty({ type: Number, ...nullable }) ledgerHeight!: number | null;
  @ApiProperty({ type: Number, ...nullable }) projectedBlock!: number | null;
  @ApiProperty({ type: Number, ...nullable, description: 'Blocks the read model is behind the ledger' })
  lagBlocks!: number | null;
}

export class AssetList {
  @ApiProperty({ type: [Asset] }) items!: Asset[];
  @ApiProperty({
    type: String,
    ...nullable,
    description: 'Pass as cursor (with the same filters) for the next page',
  })
  nextCursor!: string | null;
  @ApiPropertyOptional({ type: ReadModelLag, description: 'Answers from the read model only: its lag' })
  readModel?: ReadModelLag;
}

export class AssetHistoryEntry {
  @ApiProperty() txId!: string;
  @ApiProperty({ format: 'date-time' }) timestamp!: string;
  @ApiProperty() isDelete!: boolean;
  @ApiProperty({ type: Asset, ...nullable }) asset!: Asset | null;
}

export class AssetHistory {
  @ApiProperty() assetId!: string;
  @ApiProperty({ type: [AssetHistoryEntry], description: 'Newest first' }) entries!: AssetHistoryEntry[];
  @ApiProperty() truncated!: boolean;
}

export class LineageNode {
  @ApiProperty() id!: string;
  @ApiProperty() depth!: number;
  @ApiProperty() sku!: string;
  @ApiProperty({ enum: ALL_ASSET_STATUSES }) status!: string;
  @ApiProperty() owner!: string;
  @ApiProperty({ type: QuantityView }) quantity!: QuantityView;
  @ApiProperty({ type: [String] }) parents!: string[];
  @ApiProperty({ type: [String] }) children!: string[];
}

export class Lineage {
  @ApiProperty() assetId!: string;
  @ApiProperty() depth!: number;
  @ApiProperty({ type: [LineageNode] }) ancestors!: LineageNode[];
  @ApiProperty({ type: [LineageNode] }) descendants!: LineageNode[];
  @ApiProperty() truncated!: boolean;
}

export class SplitResult {
  @ApiProperty({ type: Asset }) parent!: Asset;
  @ApiProperty({ type: [Asset] }) children!: Asset[];
}

export class SaleTerms {
  @ApiProperty() assetId!: string;
  @ApiProperty() saleId!: string;
  @ApiProperty() seller!: string;
  @ApiProperty() buyer!: string;
  @ApiProperty() price!: string;
  @ApiProperty() currency!: string;
  @ApiProperty({ enum: INCOTERMS }) incoterms!: string;
  @ApiProperty() nonce!: string;
}

export class TermsReceipt {
  @ApiProperty() assetId!: string;
  @ApiProperty() saleId!: string;
  @ApiProperty() org!: string;
  @ApiProperty({ enum: ['seller', 'buyer'] }) side!: string;
  @ApiProperty({ description: 'SHA-256 of the stored terms, as every peer holds it' }) termsHash!: string;
}

export class DocumentVerification {
  @ApiProperty() assetId!: string;
  @ApiProperty() name!: string;
  @ApiProperty() matches!: boolean;
  @ApiProperty() recordedSha256!: string;
  @ApiProperty() addedByOrg!: string;
  @ApiProperty({ format: 'date-time' }) addedAt!: string;
  @ApiProperty() txId!: string;
}

export class RecallProgress {
  @ApiProperty() recallId!: string;
  @ApiProperty() rootAssetId!: string;
  @ApiProperty({ type: [String] }) markedAssetIds!: string[];
  @ApiProperty() markedCount!: number;
  @ApiProperty({ description: 'Assets still queued: call continue while > 0' }) remaining!: number;
  @ApiProperty() complete!: boolean;
}

export class RecallRecord {
  @ApiProperty() recallId!: string;
  @ApiProperty() rootAssetId!: string;
  @ApiProperty() reason!: string;
  @ApiProperty() initiatorOrg!: string;
  @ApiProperty() initiatorRole!: string;
  @ApiProperty({ type: [String] }) queue!: string[];
  @ApiProperty() markedCount!: number;
  @ApiProperty() complete!: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiPropertyOptional() updatedTxId?: string;
}
