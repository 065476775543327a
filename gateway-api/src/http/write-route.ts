import {
  applyDecorators,
  type CallHandler,
  createParamDecorator,
  type ExecutionContext,
  type NestInterceptor,
  Post,
  type Type,
  UseInterceptors,
} from '@nestjs/common';
import { ApiOperation, type ApiOperationOptions } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { map, type Observable } from 'rxjs';
import { prefersAsync } from '../common/request-context';
import type { WriteMode, WriteOutcome } from '../common/write-outcome';
import { ApiWrite } from './openapi';
import { writeResponse } from './write-response';

/** The request's write mode: `async` with `Prefer: respond-async`, else `sync`. */
export const Mode = createParamDecorator((_data: unknown, ctx: ExecutionContext): WriteMode =>
  prefersAsync(ctx.switchToHttp().getRequest<FastifyRequest>()) ? 'async' : 'sync',
);

/** Turns the {@link WriteOutcome} a write route returns into its reply (see {@link writeResponse}). */
class WriteReplyInterceptor implements NestInterceptor {
  constructor(private readonly createdAt: ((result: never) => string) | undefined) {}

  intercept(context: ExecutionContext, next: CallHandler<WriteOutcome<never>>): Observable<unknown> {
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    return next.handle().pipe(map((outcome) => writeResponse(reply, outcome, this.createdAt)));
  }
}

/** Options of {@link WriteRoute}. */
export interface WriteRouteOptions<T> {
  /** The route creates a resource: 201 with `Location` set to this path of the result. */
  readonly created?: (result: T) => string;
}

/**
 * A write route (POST `path`): the handler returns the service's {@link WriteOutcome}; the reply is
 * 200 (or 201 with `Location`) once committed, 202 with the transaction's status URL when async,
 * with `X-Transaction-Id` always. Also documents it: the operation (its id is the method's name),
 * Idempotency-Key, Prefer, the problems of a write.
 */
export function WriteRoute<T>(
  path: string,
  resultType: Type<T>,
  operation: string | ApiOperationOptions,
  options: WriteRouteOptions<T> = {},
) {
  return applyDecorators(
    Post(path),
    // The operation id is the method's name (see openApiDocument).
    ApiOperation(typeof operation === 'string' ? { summary: operation } : operation),
    ApiWrite(resultType, { created: options.created !== undefined }),
    UseInterceptors(new WriteReplyInterceptor(options.created)),
  );
}
