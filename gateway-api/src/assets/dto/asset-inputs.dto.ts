import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ALL_ASSET_STATUSES, COUNTRY_CODES, INCOTERMS, LIMITS, PATTERNS } from '@waybill/chaincode/constants';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import {
  AMOUNT_SCHEMA,
  ATTRIBUTE_MAP_SCHEMA,
  IsAmount,
  IsAttributeMap,
  RE,
  TEXT,
  TEXT_PATTERN,
} from '../../common/validators';
import { PersonalDataItemDto } from './personal-data-item.dto';
import { SORT_VALUES } from '../../common/sort-keys';
import { PURPOSE } from '../../common/purpose';

const ATTRIBUTES_SCHEMA = {
  ...ATTRIBUTE_MAP_SCHEMA,
  description: `Non-personal key/value attributes; keys match ${PATTERNS.ATTRIBUTE_KEY}`,
  example: { grade: 'A', harvest: '2025-09' },
} as const;

/** Non-blank text of at most `max` characters without control characters ({@link TEXT_PATTERN}). */
function text(max: number) {
  return [
    IsString(),
    MinLength(1),
    MaxLength(max),
    Matches(TEXT, { message: '$property must not be blank nor contain control characters' }),
  ];
}
function apply(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, key) => decorators.forEach((d) => d(target, key));
}

export class AssetIdParams {
  @ApiProperty({ pattern: PATTERNS.ID, example: 'LOT-2025-0001' })
  @IsString()
  @Matches(RE.ID, { message: `assetId must match ${PATTERNS.ID}` })
  assetId!: string;
}

export class RecallIdParams {
  @ApiProperty({ pattern: PATTERNS.ID })
  @IsString()
  @Matches(RE.ID, { message: `recallId must match ${PATTERNS.ID}` })
  recallId!: string;
}

export class ProductDto {
  @ApiProperty({ pattern: PATTERNS.SKU, example: 'COFFEE-ARABICA-1KG' })
  @IsString()
  @Matches(RE.SKU, { message: `sku must match ${PATTERNS.SKU}` })
  sku!: string;

  @ApiProperty({
    minLength: 1,
    maxLength: 256,
    pattern: TEXT_PATTERN,
    example: 'Arabica coffee beans, 1 kg bags',
  })
  @apply(...text(256))
  description!: string;
}

export class QuantityDto {
  @ApiProperty({ ...AMOUNT_SCHEMA, example: 1200 })
  @IsAmount()
  amount!: number;

  @ApiProperty({ pattern: PATTERNS.UNIT, example: 'kg' })
  @IsString()
  @Matches(RE.UNIT, { message: `unit must match ${PATTERNS.UNIT}` })
  unit!: string;
}

export class OriginDto {
  @ApiProperty({ minLength: 1, maxLength: 128, pattern: TEXT_PATTERN, example: 'Finca El Paraiso' })
  @apply(...text(128))
  site!: string;

  @ApiProperty({ enum: COUNTRY_CODES, example: 'CO', description: 'ISO 3166-1 alpha-2, officially assigned' })
  @IsString()
  @IsIn(COUNTRY_CODES, { message: 'country must be an assigned ISO 3166-1 alpha-2 code' })
  country!: string;
}

export class DocumentDto {
  @ApiProperty({
    minLength: 1,
    maxLength: 128,
    pattern: TEXT_PATTERN,
    example: 'phytosanitary-certificate.pdf',
  })
  @apply(...text(128))
  name!: string;

  @ApiProperty({ pattern: PATTERNS.SHA256_HEX, description: 'SHA-256 of the document, lowercase hex' })
  @IsString()
  @Matches(RE.SHA256_HEX, { message: 'sha256 must be 64 lowercase hex characters' })
  sha256!: string;
}

export class CreateAssetDto {
  @ApiProperty({ pattern: PATTERNS.ID, example: 'LOT-2025-0001' })
  @IsString()
  @Matches(RE.ID, { message: `id must match ${PATTERNS.ID}` })
  id!: string;

  @ApiProperty({ type: ProductDto })
  @ValidateNested()
  @Type(() => ProductDto)
  product!: ProductDto;

  @ApiProperty({ type: QuantityDto })
  @ValidateNested()
  @Type(() => QuantityDto)
  quantity!: QuantityDto;

  @ApiProperty({ type: OriginDto })
  @ValidateNested()
  @Type(() => OriginDto)
  origin!: OriginDto;

  @ApiPropertyOptional(ATTRIBUTES_SCHEMA)
  @IsOptional()
  @IsAttributeMap()
  attributes?: Record<string, string>;

  @ApiPropertyOptional({ type: [DocumentDto], maxItems: LIMITS.MAX_DOCUMENTS })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIMITS.MAX_DOCUMENTS)
  @ValidateNested({ each: true })
  @Type(() => DocumentDto)
  documents?: DocumentDto[];

  @ApiPropertyOptional({
    type: [PersonalDataItemDto],
    maxItems: LIMITS.MAX_PERSONAL_DATA_REFS,
    description:
      'Personal values kept off-chain by this gateway (needs `purpose`); the asset gets one random reference and salted commitment each',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIMITS.MAX_PERSONAL_DATA_REFS)
  @ValidateNested({ each: true })
  @Type(() => PersonalDataItemDto)
  personalData?: PersonalDataItemDto[];

  @ApiPropertyOptional({
    pattern: PURPOSE.source,
    description:
      'Why the personal data is processed (the access log records it); required with personalData. ' +
      'Without it, the X-Purpose header of the other personal-data operations is read.',
    example: 'delivery',
  })
  @IsOptional()
  @IsString()
  @Matches(PURPOSE, { message: `purpose must match ${PURPOSE.source}` })
  purpose?: string;
}

/** Constraints across properties, for the OpenAPI document (http/openapi.ts refineOpenApi). */
export const ASSET_SCHEMA_REFINEMENTS = {
  // A purpose is stated for every personal value (the header is the alternative the document omits).
  CreateAssetDto: { dependentRequired: { personalData: ['purpose'] } },
  // An update changes something: it sets or removes at least one attribute.
  AttributesUpdateDto: {
    anyOf: [
      { required: ['set'], properties: { set: { minProperties: 1 } } },
      { required: ['remove'], properties: { remove: { minItems: 1 } } },
    ],
  },
} as const;

export class HandoverDto {
  @ApiProperty({
    pattern: PATTERNS.MSP_ID,
    example: 'CarrierMSP',
    description: 'MSP ID of the receiving organisation',
  })
  @IsString()
  @Matches(RE.MSP_ID, { message: `toOrg must match ${PATTERNS.MSP_ID}` })
  toOrg!: string;
}

export class SaleDto {
  @ApiProperty({
    pattern: PATTERNS.MSP_ID,
    example: 'RetailerMSP',
    description: 'MSP ID of the buying organisation',
  })
  @IsString()
  @Matches(RE.MSP_ID, { message: `buyerOrg must match ${PATTERNS.MSP_ID}` })
  buyerOrg!: string;
}

export class SaleTermsDto {
  @ApiProperty({ pattern: PATTERNS.PRICE, example: '18250.00' })
  @IsString()
  @Matches(RE.PRICE, {
    message: 'price must be a decimal string with up to 15 integer digits and 6 decimals',
  })
  price!: string;

  @ApiProperty({ pattern: PATTERNS.CURRENCY, example: 'EUR' })
  @IsString()
  @Matches(RE.CURRENCY, { message: 'currency must be an ISO 4217 code' })
  currency!: string;

  @ApiProperty({ enum: INCOTERMS, example: 'FCA' })
  @IsIn(INCOTERMS)
  incoterms!: string;

  @ApiProperty({
    pattern: PATTERNS.TERMS_NONCE,
    description:
      'Random hex shared by buyer and seller off-chain, so the public hash of the terms cannot be guessed',
  })
  @IsString()
  @Matches(RE.TERMS_NONCE, { message: 'nonce must be 32-128 lowercase hex characters' })
  nonce!: string;
}

export class ReasonDto {
  @ApiProperty({
    minLength: 1,
    maxLength: LIMITS.MAX_REASON_LENGTH,
    pattern: TEXT_PATTERN,
    description: 'No personal data',
    example: 'temperature excursion',
  })
  @apply(...text(LIMITS.MAX_REASON_LENGTH))
  reason!: string;
}

export class SplitPartDto {
  @ApiProperty({ pattern: PATTERNS.ID })
  @IsString()
  @Matches(RE.ID, { message: `id must match ${PATTERNS.ID}` })
  id!: string;

  @ApiProperty(AMOUNT_SCHEMA)
  @IsAmount()
  amount!: number;

  @ApiPropertyOptional({
    ...ATTRIBUTES_SCHEMA,
    description: "Attributes of the sub-lot; omitted: the parent's",
  })
  @IsOptional()
  @IsAttributeMap()
  attributes?: Record<string, string>;
}

export class SplitDto {
  @ApiProperty({ type: [SplitPartDto], minItems: 2, maxItems: LIMITS.MAX_SPLIT_PARTS })
  @IsArray()
  @ArrayMinSize(2)
  @ArrayMaxSize(LIMITS.MAX_SPLIT_PARTS)
  @ValidateNested({ each: true })
  @Type(() => SplitPartDto)
  parts!: SplitPartDto[];
}

export class MergeDto {
  @ApiProperty({ pattern: PATTERNS.ID })
  @IsString()
  @Matches(RE.ID, { message: `newAssetId must match ${PATTERNS.ID}` })
  newAssetId!: string;

  @ApiProperty({
    type: 'array',
    items: { type: 'string', pattern: PATTERNS.ID },
    minItems: 2,
    maxItems: LIMITS.MAX_MERGE_INPUTS,
  })
  @IsArray()
  @ArrayMinSize(2)
  @ArrayMaxSize(LIMITS.MAX_MERGE_INPUTS)
  @Matches(RE.ID, { each: true, message: `each assetIds entry must match ${PATTERNS.ID}` })
  assetIds!: string[];

  @ApiPropertyOptional({ type: OriginDto, description: "Required when the inputs' origins differ" })
  @IsOptional()
  @ValidateNested()
  @Type(() => OriginDto)
  origin?: OriginDto;

  @ApiPropertyOptional(ATTRIBUTES_SCHEMA)
  @IsOptional()
  @IsAttributeMap()
  attributes?: Record<string, string>;
}

export class AttributesUpdateDto {
  @ApiPropertyOptional(ATTRIBUTES_SCHEMA)
  @IsOptional()
  @IsAttributeMap()
  set?: Record<string, string>;

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'string', pattern: PATTERNS.ATTRIBUTE_KEY },
    maxItems: LIMITS.MAX_ATTRIBUTES,
    uniqueItems: true,
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIMITS.MAX_ATTRIBUTES)
  @ArrayUnique({ message: 'remove lists each key once' })
  @Matches(RE.ATTRIBUTE_KEY, {
    each: true,
    message: `each remove entry must match ${PATTERNS.ATTRIBUTE_KEY}`,
  })
  remove?: string[];
}

export class ListAssetsQuery {
  @ApiPropertyOptional({ pattern: PATTERNS.MSP_ID, description: 'Owner MSP ID' })
  @IsOptional()
  @Matches(RE.MSP_ID, { message: `owner must match ${PATTERNS.MSP_ID}` })
  owner?: string;

  @ApiPropertyOptional({ pattern: PATTERNS.MSP_ID, description: 'Custodian MSP ID' })
  @IsOptional()
  @Matches(RE.MSP_ID, { message: `custodian must match ${PATTERNS.MSP_ID}` })
  custodian?: string;

  @ApiPropertyOptional({ enum: ALL_ASSET_STATUSES })
  @IsOptional()
  @IsIn(ALL_ASSET_STATUSES)
  status?: string;

  @ApiPropertyOptional({ pattern: PATTERNS.SKU })
  @IsOptional()
  @Matches(RE.SKU, { message: `sku must match ${PATTERNS.SKU}` })
  sku?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: LIMITS.MAX_PAGE_SIZE, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(LIMITS.MAX_PAGE_SIZE)
  limit?: number;

  @ApiPropertyOptional({ maxLength: 2048, description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  cursor?: string;

  @ApiPropertyOptional({
    enum: ['read-model'],
    description:
      'read-model: the gateway projection. Without it, a query naming owner, custodian, status or sku and ' +
      'none of the read-model parameters (q, the date ranges, sort) is answered by the chaincode indexes, ' +
      'any other by the read model',
  })
  @IsOptional()
  @IsIn(['read-model'], { message: 'source must be read-model (omit it for the ledger indexes)' })
  source?: 'read-model';

  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 128,
    description: 'Read model: case-insensitive text in the product SKU or description',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  q?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Read model: created at or after' })
  @IsOptional()
  @IsISO8601({ strict: true })
  createdFrom?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Read model: created at or before' })
  @IsOptional()
  @IsISO8601({ strict: true })
  createdTo?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Read model: last changed at or after' })
  @IsOptional()
  @IsISO8601({ strict: true })
  updatedFrom?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Read model: last changed at or before' })
  @IsOptional()
  @IsISO8601({ strict: true })
  updatedTo?: string;

  @ApiPropertyOptional({
    enum: SORT_VALUES,
    description: 'Read model: sort field, `-` for descending (default id); ties by id',
  })
  @IsOptional()
  @IsIn(SORT_VALUES)
  sort?: string;
}

export class LineageQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: LIMITS.MAX_LINEAGE_DEPTH, default: 3 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(LIMITS.MAX_LINEAGE_DEPTH)
  depth?: number;
}

export class VerifyDocumentQuery {
  @ApiProperty({ minLength: 1, maxLength: 128, pattern: TEXT_PATTERN })
  @apply(...text(128))
  name!: string;

  @ApiProperty({ pattern: PATTERNS.SHA256_HEX })
  @IsString()
  @Matches(RE.SHA256_HEX, { message: 'sha256 must be 64 lowercase hex characters' })
  sha256!: string;
}
