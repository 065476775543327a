import { Body, createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthenticatedClient } from './client';
import { ProblemException } from './problems';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated client, set by the API-key guard (null on public routes). */
    client: AuthenticatedClient | null;
    /** The problem code answered, for the access log and metrics. */
    problemCode: string | null;
  }
}

/** Correlation ids accepted from clients; anything else is replaced by a fresh UUID. */
export const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Response header carrying the transaction ID of a write. */
export const TX_ID_HEADER = 'x-transaction-id';

/** Marks a route as needing no API key (health, metrics). */
export const PUBLIC_ROUTE = 'waybill:public';
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/** Restricts a route to clients whose identity has one of these roles. */
export const ROLES_ROUTE = 'waybill:roles';
export const Roles = (...roles: string[]) => SetMetadata(ROLES_ROUTE, roles);

/** The authenticated client of the request (routes behind the API-key guard only). */
export const Client = createParamDecorator((_data: unknown, ctx: ExecutionContext): AuthenticatedClient => {
  const client = ctx.switchToHttp().getRequest<FastifyRequest>().client;
  if (!client) throw new Error('route has no authenticated client: is it marked @Public()?');
  return client;
});

/** Whether the client asked for `Prefer: respond-async` (RFC 7240). */
export function prefersAsync(request: FastifyRequest): boolean {
  const prefer = request.headers.prefer;
  const values = Array.isArray(prefer) ? prefer : prefer === undefined ? [] : [prefer];
  return values.some((v) =>
    v
      .split(',')
      .map((p) => p.split(';')[0]?.trim().toLowerCase())
      .includes('respond-async'),
  );
}

export type { FastifyReply, FastifyRequest };

/** Top-level response fields never stored in an idempotency record (secrets shown once). */
export const IDEMPOTENCY_REDACT = 'waybill:idempotency-redact';
export const RedactFromIdempotencyRecord = (...fields: string[]) => SetMetadata(IDEMPOTENCY_REDACT, fields);

/**
 * The body of an action that takes no input: absent, empty or `{}`. Anything else is a
 * VALIDATION_FAILED listing the unexpected fields (the global ValidationPipe skips `unknown`).
 */
export const EmptyBody = () =>
  Body({
    transform(value: unknown) {
      if (value === undefined || value === null) return undefined;
      if (typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0)
        return undefined;
      const fields = typeof value === 'object' && !Array.isArray(value) ? Object.keys(value) : ['(body)'];
      throw new ProblemException('VALIDATION_FAILED', 'this action takes no input', {
        errors: fields.map((field) => ({ field, message: `property ${field} should not exist` })),
      });
    },
  });
