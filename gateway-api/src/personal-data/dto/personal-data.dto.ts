import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PATTERNS } from '@waybill/chaincode/constants';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { RE } from '../../common/validators';
import {
  MAX_ANY_VALUE,
  PERSONAL_VALUE_DOC,
  PersonalDataItemDto,
} from '../../assets/dto/personal-data-item.dto';
import { PERSONAL_DATA_CATEGORIES, type PersonalDataCategory } from '../categories';

/** A personal value for an existing asset. */
export class AddRecordDto extends PersonalDataItemDto {
  @ApiProperty({ pattern: PATTERNS.ID, example: 'LOT-2025-0001' })
  @IsString()
  @Matches(RE.ID, { message: `assetId must match ${PATTERNS.ID}` })
  assetId!: string;
}

export class RectifyDto {
  @ApiProperty({ maxLength: MAX_ANY_VALUE, description: PERSONAL_VALUE_DOC })
  @IsString({ message: 'value must be a string' })
  @MaxLength(MAX_ANY_VALUE, { message: `value must have at most ${MAX_ANY_VALUE} characters` })
  value!: string;
}

/** A record as its holder gave it: checked against the commitment on the ledger. */
export class VerifyDto {
  @ApiProperty({ pattern: PATTERNS.ID })
  @IsString()
  @Matches(RE.ID, { message: `assetId must match ${PATTERNS.ID}` })
  assetId!: string;

  @ApiProperty({ pattern: '^[0-9a-f]{32}$' })
  @IsString()
  @Matches(/^[0-9a-f]{32}$/, { message: 'ref must be 32 lowercase hex characters' })
  ref!: string;

  @ApiProperty({ enum: PERSONAL_DATA_CATEGORIES })
  @IsIn(PERSONAL_DATA_CATEGORIES, {
    message: `category must be one of ${PERSONAL_DATA_CATEGORIES.join(', ')}`,
  })
  category!: PersonalDataCategory;

  @ApiProperty({ maxLength: MAX_ANY_VALUE, description: 'The value exactly as exported by its holder' })
  @IsString({ message: 'value must be a string' })
  @MaxLength(MAX_ANY_VALUE, { message: `value must have at most ${MAX_ANY_VALUE} characters` })
  value!: string;

  @ApiProperty({ pattern: '^[0-9a-f]{64}$', description: 'The record’s salt, as exported by its holder' })
  @IsString()
  @Matches(/^[0-9a-f]{64}$/, { message: 'salt must be 64 lowercase hex characters' })
  salt!: string;
}

export class RefParams {
  @ApiProperty({ pattern: '^[0-9a-f]{32}$' })
  @IsString()
  @Matches(/^[0-9a-f]{32}$/, { message: 'ref must be 32 lowercase hex characters' })
  ref!: string;
}

export class SubjectParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID(4, { message: 'subjectId must be a subject id (UUID)' })
  subjectId!: string;
}

export class AccessLogQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 0, description: 'Sequence number of the last entry already read' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  after?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

// ------------------------------------------------------------------ answers (OpenAPI only)

export class SubjectCreated {
  @ApiProperty({ format: 'uuid' }) subjectId!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class RecordSummaryView {
  @ApiProperty() ref!: string;
  @ApiProperty({ format: 'uuid' }) subjectId!: string;
  @ApiProperty() assetId!: string;
  @ApiProperty({ enum: PERSONAL_DATA_CATEGORIES }) category!: string;
  @ApiProperty({ description: 'Salted commitment, as on the ledger' }) commitment!: string;
  @ApiProperty() version!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ format: 'date-time', description: 'Erased by the retention job after this' })
  expiresAt!: string;
}

/** A record as an ordinary read gives it: the value, never the salt (only export hands it out). */
export class RecordValueView extends RecordSummaryView {
  @ApiProperty() value!: string;
}

export class RecordView extends RecordValueView {
  @ApiProperty({ description: 'Salt of the commitment (64 hex): with the value, anyone can verify it' })
  salt!: string;
}

export class RecordWritten {
  @ApiProperty({ type: RecordSummaryView }) record!: RecordSummaryView;
  @ApiProperty() txId!: string;
  @ApiProperty() blockNumber!: number;
}

export class AccessLogEntryView {
  @ApiProperty() seq!: number;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty() actorKeyId!: string;
  @ApiProperty() actorIdentity!: string;
  @ApiProperty() actorRole!: string;
  @ApiProperty({ enum: ['create', 'read', 'export', 'rectify', 'erase', 'retention-erase', 'ledger-erase'] })
  action!: string;
  @ApiProperty() purpose!: string;
  @ApiProperty({ type: String, nullable: true }) subjectId!: string | null;
  @ApiProperty({ type: String, nullable: true }) ref!: string | null;
  @ApiProperty({ type: String, nullable: true }) assetId!: string | null;
  @ApiProperty({ type: String, nullable: true }) category!: string | null;
  @ApiProperty({ enum: ['ok', 'denied', 'failed'] }) outcome!: string;
}

export class AccessLogPage {
  @ApiProperty({ type: [AccessLogEntryView] }) items!: AccessLogEntryView[];
  @ApiProperty({ type: Number, nullable: true, description: 'Pass as `after` for the next page' })
  nextAfter!: number | null;
}

export class SubjectExportView {
  @ApiProperty({ format: 'uuid' }) subjectId!: string;
  @ApiProperty() controllerOrg!: string;
  @ApiProperty({ format: 'date-time' }) exportedAt!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty() commitmentScheme!: string;
  @ApiProperty({ type: [RecordView] }) records!: RecordView[];
  @ApiProperty({ type: [AccessLogEntryView] }) accessLog!: AccessLogEntryView[];
}

export class LedgerErasureView {
  @ApiProperty() ref!: string;
  @ApiProperty() assetId!: string;
  @ApiProperty({ enum: ['erased', 'already-erased', 'not-on-ledger', 'pending'] }) status!: string;
  @ApiProperty({ type: String, nullable: true }) txId!: string | null;
}

export class BackupBoundView {
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description:
      'When the scheduled KEK rotation has destroyed the key that backups taken before the erasure need',
  })
  readableUntil!: string | null;
  @ApiProperty() detail!: string;
}

export class ErasureReportView {
  @ApiProperty({ format: 'uuid' }) subjectId!: string;
  @ApiProperty({ format: 'date-time' }) erasedAt!: string;
  @ApiProperty() recordsErased!: number;
  @ApiProperty({ type: [LedgerErasureView] }) ledger!: LedgerErasureView[];
  @ApiProperty({ type: BackupBoundView }) backups!: BackupBoundView;
}

export class RetentionReportView {
  @ApiProperty() recordsErased!: number;
  @ApiProperty({ type: [LedgerErasureView] }) ledger!: LedgerErasureView[];
}

export class VerifyResultView {
  @ApiProperty() assetId!: string;
  @ApiProperty() ref!: string;
  @ApiProperty({ enum: ['match', 'mismatch', 'erased'] }) status!: string;
  @ApiProperty() matches!: boolean;
}
