import { Body, Controller, Get, Inject, Param, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { IsString, Matches } from 'class-validator';
import { ApiKeyError, type ApiKeyView, ApiKeysService } from '../auth/api-keys.service';
import { ApiRead } from '../common/openapi';
import { ProblemException } from '../common/problems';
import { RedactFromIdempotencyRecord, Roles } from '../common/request-context';

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

/** API-key administration for clients whose identity has the `admin` role. */
@ApiTags('admin')
@Roles('admin')
@Controller('v1/admin/api-keys')
export class AdminController {
  constructor(@Inject(ApiKeysService) private readonly keys: ApiKeysService) {}

  @Post()
  @RedactFromIdempotencyRecord('key')
  @ApiOperation({
    summary: 'Create an API key bound to an identity of this organisation',
    operationId: 'createApiKey',
  })
  @ApiRead(CreatedApiKeyResponse, 422)
  async create(
    @Body() body: CreateApiKeyDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CreatedApiKeyResponse> {
    const { key, apiKey } = await this.keys
      .create({ name: body.name, identityId: body.identityId })
      .catch(rethrow);
    void reply
      .status(201)
      .header('location', `/v1/admin/api-keys/${apiKey.keyId}`)
      .header('cache-control', 'no-store');
    return { key, apiKey };
  }

  @Get()
  @ApiOperation({ summary: 'List API keys (never their secrets)', operationId: 'listApiKeys' })
  @ApiRead(ApiKeyListResponse)
  async list(): Promise<{ items: ApiKeyView[] }> {
    return { items: await this.keys.list() };
  }

  @Post(':keyId/revoke')
  @ApiOperation({
    summary: 'Revoke an API key (effective at once on this gateway)',
    operationId: 'revokeApiKey',
  })
  @ApiRead(ApiKeyResponse, 404)
  async revoke(
    @Param() p: KeyIdParams,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ApiKeyView> {
    void reply.status(200);
    return this.keys.revoke(p.keyId).catch(rethrow);
  }
}

function rethrow(err: unknown): never {
  if (err instanceof ApiKeyError) {
    switch (err.code) {
      case 'API_KEY_NOT_FOUND':
        throw new ProblemException('API_KEY_NOT_FOUND', err.message);
      case 'IDENTITY_UNKNOWN':
        throw new ProblemException('IDENTITY_UNKNOWN', err.message);
      case 'NAME_INVALID':
      case 'API_KEY_MALFORMED':
      case 'API_KEY_EXISTS':
        throw new ProblemException('VALIDATION_FAILED', err.message);
    }
  }
  throw err;
}
