import { Body, Controller, Get, Inject, Param, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiKeyError, type ApiKeyView, ApiKeysService } from './api-keys.service';
import {
  ApiKeyListResponse,
  ApiKeyResponse,
  CreateApiKeyDto,
  CreatedApiKeyResponse,
  KeyIdParams,
  RotateApiKeyDto,
  RotatedApiKeyResponse,
} from './dto/api-key.dto';
import { ApiCreated, ApiRead } from '../http/openapi';
import { ProblemException } from '../common/problems';
import { Client, RedactFromIdempotencyRecord, Roles } from '../common/request-context';
import type { AuthenticatedClient } from '../common/client';

/** `/v1/admin/api-keys`: API-key administration for clients whose identity has the `admin` role. */
@ApiTags('admin')
@Roles('admin')
@Controller('v1/admin/api-keys')
export class ApiKeysController {
  constructor(@Inject(ApiKeysService) private readonly keys: ApiKeysService) {}

  @Post()
  @RedactFromIdempotencyRecord('key')
  @ApiOperation({
    summary: 'Create an API key bound to an identity of this organisation',
    operationId: 'createApiKey',
  })
  @ApiCreated(CreatedApiKeyResponse, 422)
  async create(
    @Client() client: AuthenticatedClient,
    @Body() body: CreateApiKeyDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CreatedApiKeyResponse> {
    const { key, apiKey } = await this.keys
      .create({
        name: body.name,
        identityId: body.identityId,
        grantedBy: client,
        ...(body.expiresAt ? { expiresAt: Date.parse(body.expiresAt) } : {}),
      })
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

  @Post(':keyId/rotate')
  @RedactFromIdempotencyRecord('key')
  @ApiOperation({
    summary: 'Rotate an API key: a new key for the same identity; the old one expires after a grace period',
    operationId: 'rotateApiKey',
  })
  @ApiCreated(RotatedApiKeyResponse, 404, 422)
  async rotate(
    @Client() client: AuthenticatedClient,
    @Param() p: KeyIdParams,
    @Body() body: RotateApiKeyDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RotatedApiKeyResponse> {
    const rotated = await this.keys
      .rotate(p.keyId, {
        graceMs: (body.graceSeconds ?? 86_400) * 1000,
        grantedBy: client,
        ...(body.expiresAt ? { expiresAt: Date.parse(body.expiresAt) } : {}),
      })
      .catch(rethrow);
    void reply
      .status(201)
      .header('location', `/v1/admin/api-keys/${rotated.apiKey.keyId}`)
      .header('cache-control', 'no-store');
    return rotated;
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
      case 'IDENTITY_NOT_GRANTABLE':
        throw new ProblemException('IDENTITY_NOT_GRANTABLE', err.message);
      case 'EXPIRY_INVALID':
      case 'NAME_INVALID':
      case 'API_KEY_MALFORMED':
      case 'API_KEY_EXISTS':
        throw new ProblemException('VALIDATION_FAILED', err.message);
    }
  }
  throw err;
}
