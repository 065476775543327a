import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { JsonLogger } from '../common/logger';
import { ProblemException } from '../common/problems';
import { sendProblem } from '../http/problem.filter';
import type { MetricsService } from '../metrics/metrics.service';
import type { ApiKeysService, AuthResult } from './api-keys.service';
import type { RateLimits } from './rate-limiter';

declare module 'fastify' {
  interface FastifyRequest {
    /** The key check done at the front door, reused by the guard (null when not done). */
    authResult: AuthResult | null;
  }
}

/** The key a request presents: `Authorization: Bearer <key>` or `X-API-Key`; '' when malformed. */
export function presentedKey(headers: FastifyRequest['headers']): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return match?.[1] ?? '';
  }
  const header = headers['x-api-key'];
  return typeof header === 'string' ? header.trim() : undefined;
}

/** Public routes under /v1 (the console's sign-in checks the key it is given itself). */
const PUBLIC_V1 = '/v1/console/session';

/**
 * Checks the API key of every `/v1` request as soon as its headers arrived (`onRequest`), before
 * its body is read or anything else is done for it. A request without a valid key is answered
 * here (401, or 429 once its address used up the anonymous bucket) and its connection closed, so
 * an unauthenticated client never gets a body parsed, a database row read or a guard run. The
 * check costs a SHA-256 against the in-memory key table. A request with a valid key goes on, and
 * the guard reuses the result for roles and the per-key, per-identity and per-organisation limits.
 */
export function installFrontDoor(
  fastify: FastifyInstance,
  deps: {
    readonly keys: ApiKeysService;
    readonly limits: RateLimits;
    readonly logger: JsonLogger;
    readonly metrics: MetricsService;
  },
): void {
  fastify.decorateRequest('authResult', null);
  fastify.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    // CORS preflights carry no credentials by design (the CORS plugin answers them).
    if (!path.startsWith('/v1/') || path === PUBLIC_V1 || request.is404 || request.method === 'OPTIONS') return;
    const presented = presentedKey(request.headers);
    const result: AuthResult =
      presented === undefined ? { ok: false, reason: 'missing' } : await deps.keys.authenticate(presented);
    if (result.ok) {
      request.authResult = result;
      return;
    }
    const rate = deps.limits.takeAnonymous(request.ip);
    const problem = rate.allowed
      ? authProblem(result.reason)
      : new ProblemException('RATE_LIMITED', 'too many requests without a valid API key', {}, {
          'Retry-After': String(rate.retryAfterSeconds),
        });
    // Whatever body follows is not read: the connection ends with the answer.
    void reply.header('connection', 'close');
    sendProblem(problem, request, reply, deps.logger, deps.metrics);
    return reply;
  });
}

/** The problem for a request whose key did not pass. */
export function authProblem(reason: Exclude<AuthResult, { ok: true }>['reason']): ProblemException {
  const invalidToken = { 'WWW-Authenticate': 'Bearer error="invalid_token"' };
  switch (reason) {
    case 'missing':
      return new ProblemException(
        'AUTH_REQUIRED',
        'send an API key as Authorization: Bearer <key> or X-API-Key: <key>',
        {},
        { 'WWW-Authenticate': 'Bearer' },
      );
    case 'invalid':
      return new ProblemException('API_KEY_INVALID', undefined, {}, invalidToken);
    case 'revoked':
      return new ProblemException('API_KEY_REVOKED', undefined, {}, invalidToken);
    case 'expired':
      return new ProblemException('API_KEY_EXPIRED', 'the key expired: use the key it was rotated to, or ask for a new one', {}, invalidToken);
    case 'identity-unavailable':
      return new ProblemException(
        'IDENTITY_UNAVAILABLE',
        'the key’s Fabric identity is no longer in this gateway’s connection profile, or its certificate carries no role',
      );
  }
}
