import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsISO8601, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'erp-integration' })
  @IsString()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9 ._@:-]{0,63}$/, {
    message: 'name must be 1-64 letters, digits, spaces or ._@:-',
  })
  name!: string;

  @ApiProperty({
    example: 'manufacturer-user1',
    description: 'Identity id of the connection profile the key acts as',
  })
  @IsString()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, { message: 'identityId has an invalid format' })
  identityId!: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'When the key stops working (default: never); must be in the future',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  expiresAt?: string;
}

export class RotateApiKeyDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: 2_592_000,
    default: 86_400,
    description: 'How long the old key keeps working, in seconds (0: it stops at once)',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(2_592_000)
  graceSeconds?: number;

  @ApiPropertyOptional({ format: 'date-time', description: 'When the new key stops working (default: never)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  expiresAt?: string;
}


export class KeyIdParams {
  @ApiProperty({ pattern: '^[0-9a-f]{16}$' })
  @IsString()
  @Matches(/^[0-9a-f]{16}$/, { message: 'keyId must be 16 lowercase hex characters' })
  keyId!: string;
}

export class ApiKeyResponse {
  @ApiProperty() keyId!: string;
  @ApiProperty() name!: string;
  @ApiProperty() identityId!: string;
  @ApiProperty() role!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) revokedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) expiresAt!: string | null;
}

export class CreatedApiKeyResponse {
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The key, shown once (null when the response is an idempotent replay)',
  })
  key!: string | null;
  @ApiProperty({ type: ApiKeyResponse }) apiKey!: ApiKeyResponse;
}

export class ApiKeyListResponse {
  @ApiProperty({ type: [ApiKeyResponse] }) items!: ApiKeyResponse[];
}

export class RotatedApiKeyResponse {
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The new key, shown once (null when the response is an idempotent replay)',
  })
  key!: string | null;
  @ApiProperty({ type: ApiKeyResponse }) apiKey!: ApiKeyResponse;
  @ApiProperty({ type: ApiKeyResponse, description: 'The old key, with the end of its grace as expiresAt' })
  previous!: ApiKeyResponse;
}
