import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ProblemException } from './problems';

/** Request header stating why personal data is accessed; it goes to the access log. */
export const PURPOSE_HEADER = 'x-purpose';

/**
 * A purpose is a short label (`delivery`, `customer-request-4711`), not prose: it is stored in the
 * access log, which must hold no personal data.
 */
export const PURPOSE = /^[A-Za-z0-9][A-Za-z0-9 ._:/-]{0,127}$/;

/** Reads and validates `X-Purpose`, or answers 400 VALIDATION_FAILED. */
export function purposeOf(request: Pick<FastifyRequest, 'headers'>): string {
  const value = request.headers[PURPOSE_HEADER];
  if (typeof value !== 'string' || !PURPOSE.test(value)) {
    throw new ProblemException('VALIDATION_FAILED', 'personal-data operations state their purpose', {
      errors: [
        { field: 'X-Purpose', message: `header X-Purpose is required and must match ${PURPOSE.source}` },
      ],
    });
  }
  return value;
}

/** The request's `X-Purpose` (see {@link purposeOf}). */
export const Purpose = createParamDecorator((_data: unknown, ctx: ExecutionContext): string =>
  purposeOf(ctx.switchToHttp().getRequest<FastifyRequest>()),
);
