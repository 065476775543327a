import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { EVENTS, PATTERNS } from '@waybill/chaincode/constants';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { RE } from '../../common/validators';
import { SIGNATURE_SCHEMES, WEBHOOK_FORMATS } from '../webhook.repository';

const NAMES = Object.values(EVENTS) as string[];

export class CreateWebhookDto {
  @ApiProperty({ example: 'https://erp.example.com/waybill/events', description: 'http or https URL' })
  @IsString()
  @MaxLength(2048)
  url!: string;

  @ApiPropertyOptional({
    description: 'Signing secret (16-256 visible ASCII characters); generated when omitted',
  })
  @IsOptional()
  @IsString()
  @MinLength(16)
  @MaxLength(256)
  @Matches(/^[\x21-\x7e]+$/, { message: 'secret must be visible ASCII characters' })
  secret?: string;

  @ApiPropertyOptional({ type: [String], enum: NAMES, description: 'Event names to receive (default: all)' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(NAMES.length)
  @IsIn(NAMES, { each: true })
  events?: string[];

  @ApiPropertyOptional({ pattern: PATTERNS.ID, description: 'Only events concerning this asset' })
  @IsOptional()
  @Matches(RE.ID, { message: `assetId must match ${PATTERNS.ID}` })
  assetId?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 50, description: 'Attempts before dead-lettering' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(50)
  maxAttempts?: number;

  @ApiPropertyOptional({
    enum: WEBHOOK_FORMATS,
    default: 'waybill',
    description: "Body: the gateway's event JSON, or a CloudEvent 1.0 in structured or binary HTTP mode",
  })
  @IsOptional()
  @IsIn(WEBHOOK_FORMATS)
  format?: (typeof WEBHOOK_FORMATS)[number];

  @ApiPropertyOptional({
    type: [String],
    enum: SIGNATURE_SCHEMES,
    default: ['waybill'],
    description:
      '`waybill`: the Waybill-Signature header; `standard`: Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature; the secret must then be `whsec_` + base64 of 16-64 bytes)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(SIGNATURE_SCHEMES.length)
  @IsIn(SIGNATURE_SCHEMES, { each: true })
  signatures?: (typeof SIGNATURE_SCHEMES)[number][];
}

export class WebhookIdParams {
  @ApiProperty({ pattern: '^wh_[0-9a-f]{32}$' })
  @Matches(/^wh_[0-9a-f]{32}$/, { message: 'webhookId has an invalid format' })
  webhookId!: string;
}

export class DeliveryParams extends WebhookIdParams {
  @ApiProperty({ pattern: '^dl_[0-9a-f]{32}$' })
  @Matches(/^dl_[0-9a-f]{32}$/, { message: 'deliveryId has an invalid format' })
  deliveryId!: string;
}

export class PageQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ pattern: '^\\d{1,15}$', description: 'nextCursor of the previous page' })
  @IsOptional()
  @Matches(/^\d{1,15}$/, { message: 'cursor must be a nextCursor value' })
  cursor?: string;
}

export class DeliveriesQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['pending', 'delivered', 'dead'] })
  @IsOptional()
  @IsIn(['pending', 'delivered', 'dead'])
  state?: 'pending' | 'delivered' | 'dead';
}

export class WebhookView {
  @ApiProperty() id!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ type: [String], nullable: true, description: 'null: every event' }) events!: string[] | null;
  @ApiProperty({ type: String, nullable: true }) assetId!: string | null;
  @ApiProperty() maxAttempts!: number;
  @ApiProperty({ enum: WEBHOOK_FORMATS }) format!: string;
  @ApiProperty({ type: [String], enum: SIGNATURE_SCHEMES }) signatures!: string[];
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ description: 'Identity that created it' }) createdBy!: string;
}

export class CreatedWebhook {
  @ApiProperty({ type: WebhookView }) subscription!: WebhookView;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The signing secret, shown once (null in an idempotent replay)',
  })
  secret!: string | null;
}

export class WebhookList {
  @ApiProperty({ type: [WebhookView] }) items!: WebhookView[];
}

export class AttemptView {
  @ApiProperty() attempt!: number;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty() durationMs!: number;
  @ApiProperty({ type: Number, nullable: true }) statusCode!: number | null;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
}

export class DeliveryView {
  @ApiProperty() id!: string;
  @ApiProperty() eventId!: string;
  @ApiProperty({ enum: ['pending', 'delivered', 'dead'] }) state!: string;
  @ApiProperty() attempts!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) nextAttemptAt!: string | null;
  @ApiProperty({ type: Number, nullable: true }) lastStatus!: number | null;
  @ApiProperty({ type: String, nullable: true }) lastError!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) deliveredAt!: string | null;
  @ApiProperty({ type: [AttemptView] }) attemptLog!: AttemptView[];
}

export class DeliveryList {
  @ApiProperty({ type: [DeliveryView] }) items!: DeliveryView[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class RedeliverResult {
  @ApiProperty({ description: 'Deliveries queued again' }) redelivered!: number;
}
