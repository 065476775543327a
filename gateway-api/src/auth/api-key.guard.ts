import { type CanActivate, type ExecutionContext, Inject } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ProblemException } from '../common/problems';
import { PUBLIC_ROUTE, ROLES_ROUTE } from '../common/request-context';
import { ApiKeysService } from './api-keys.service';
import { RateLimiter } from './rate-limiter';

/**
 * Every route needs an API key (`Authorization: Bearer <key>` or `X-API-Key: <key>`) unless it is
 * marked `@Public()`. Sets `request.client`, enforces `@Roles()`, then the client's rate limit.
 */
export class ApiKeyGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(ApiKeysService) private readonly keys: ApiKeysService,
    @Inject(RateLimiter) private readonly limiter: RateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean | undefined>(PUBLIC_ROUTE, targets)) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const presented = presentedKey(request);
    if (presented === undefined) {
      throw new ProblemException(
        'AUTH_REQUIRED',
        'send an API key as Authorization: Bearer <key> or X-API-Key: <key>',
        {},
        {
          'WWW-Authenticate': 'Bearer',
        },
      );
    }
    const result = await this.keys.authenticate(presented);
    if (!result.ok) {
      switch (result.reason) {
        case 'invalid':
          throw new ProblemException(
            'API_KEY_INVALID',
            undefined,
            {},
            { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
          );
        case 'revoked':
          throw new ProblemException(
            'API_KEY_REVOKED',
            undefined,
            {},
            { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
          );
        case 'identity-unavailable':
          throw new ProblemException(
            'IDENTITY_UNAVAILABLE',
            'the key’s Fabric identity is no longer in this gateway’s connection profile',
          );
      }
    }
    request.client = result.client;
    const roles = this.reflector.getAllAndOverride<string[] | undefined>(ROLES_ROUTE, targets);
    if (roles && !roles.includes(result.client.role)) {
      throw new ProblemException('ROLE_FORBIDDEN', `requires role ${roles.join(' or ')}`);
    }
    const rate = this.limiter.take(result.client.keyId);
    if (!rate.allowed) {
      throw new ProblemException(
        'RATE_LIMITED',
        undefined,
        {},
        { 'Retry-After': String(rate.retryAfterSeconds) },
      );
    }
    return true;
  }
}

function presentedKey(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (typeof auth === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return match?.[1] ?? '';
  }
  const header = request.headers['x-api-key'];
  return typeof header === 'string' ? header.trim() : undefined;
}
