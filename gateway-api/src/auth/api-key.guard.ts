import { type CanActivate, type ExecutionContext, Inject } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ProblemException } from '../common/problems';
import { PUBLIC_ROUTE, ROLES_ROUTE } from '../common/request-context';
import { ApiKeysService, type AuthResult } from './api-keys.service';
import { authProblem, presentedKey } from './front-door';
import { RateLimits } from './rate-limiter';

/**
 * Every route needs an API key (`Authorization: Bearer <key>` or `X-API-Key: <key>`) unless it is
 * marked `@Public()`. Sets `request.client`, enforces `@Roles()`, then the key's, identity's and
 * organisation's rate limits. The front door (front-door.ts) has usually checked the key already.
 */
export class ApiKeyGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(ApiKeysService) private readonly keys: ApiKeysService,
    @Inject(RateLimits) private readonly limits: RateLimits,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean | undefined>(PUBLIC_ROUTE, targets)) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    let result: AuthResult | null = request.authResult;
    if (result === null) {
      const presented = presentedKey(request.headers);
      result = presented === undefined ? { ok: false, reason: 'missing' } : await this.keys.authenticate(presented);
    }
    if (!result.ok) throw authProblem(result.reason);
    request.client = result.client;
    const roles = this.reflector.getAllAndOverride<string[] | undefined>(ROLES_ROUTE, targets);
    if (roles && !roles.includes(result.client.role)) {
      throw new ProblemException('ROLE_FORBIDDEN', `requires role ${roles.join(' or ')}`);
    }
    const rate = this.limits.takeClient(result.client);
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
