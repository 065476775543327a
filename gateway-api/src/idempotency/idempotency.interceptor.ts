import { createHash, createHmac } from 'node:crypto';
import { type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { catchError, from, mergeMap, type Observable, of, throwError } from 'rxjs';
import { toProblem } from '../http/error-mapping';
import type { JsonLogger } from '../common/logger';
import { renderProblem } from '../common/problem-response';
import { ProblemException } from '../common/problems';
import { IDEMPOTENCY_REDACT } from '../common/request-context';
import { LedgerError } from '../ledger/ledger.errors';
import type { MetricsService } from '../metrics/metrics.service';
import type { IdempotencyStore, StoredResponse } from './idempotency.store';

/** Idempotency keys: 1-255 visible ASCII characters (a UUID is typical). */
const KEY = /^[\x21-\x7e]{1,255}$/;
/** Response headers worth replaying. */
const STORED_HEADERS = ['content-type', 'location', 'x-transaction-id', 'preference-applied', 'retry-after'];

/**
 * `Idempotency-Key` on POST: the first request with a key runs and its response is stored; a
 * repeat with the same method, path and body gets the stored response (`Idempotent-Replayed:
 * true`) and nothing is submitted; a repeat with another request is 422; a repeat while the first
 * still runs is 409.
 *
 * Stored: successes, and rejections decided by the ledger (chaincode errors). Not stored: invalid
 * requests, timeouts, unavailability and conflicts, which the client may retry with the same key.
 * Runs after the API-key guard, so keys are scoped to the calling API key.
 */
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly store: IdempotencyStore,
    private readonly metrics: MetricsService,
    private readonly logger: JsonLogger,
    /** Key of the stored request hash: bodies may carry personal values (see {@link requestHash}). */
    private readonly hashKey?: Uint8Array,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const key = request.headers['idempotency-key'];
    const client = request.client;
    if (request.method !== 'POST' || key === undefined || !client) return next.handle();
    if (typeof key !== 'string' || !KEY.test(key)) {
      throw new ProblemException(
        'IDEMPOTENCY_KEY_INVALID',
        'Idempotency-Key must be 1-255 visible ASCII characters',
      );
    }
    const hash = requestHash(request, this.hashKey);
    const redact = this.reflector.get<string[] | undefined>(IDEMPOTENCY_REDACT, context.getHandler()) ?? [];
    return from(this.store.begin(client.keyId, key, hash)).pipe(
      mergeMap((decision) => {
        switch (decision.kind) {
          case 'mismatch':
            throw new ProblemException(
              'IDEMPOTENCY_KEY_REUSED',
              'this Idempotency-Key was used with a different request',
            );
          case 'in-progress':
            throw new ProblemException('IDEMPOTENCY_KEY_IN_PROGRESS', undefined, {}, { 'Retry-After': '1' });
          case 'replay':
            this.metrics.idempotentReplays.inc();
            void reply.status(decision.response.status);
            void reply.headers({ ...decision.response.headers, 'idempotent-replayed': 'true' });
            return of(decision.response.body);
          case 'proceed':
            return next.handle().pipe(
              mergeMap(async (body: unknown) => {
                const headers: Record<string, string> = {};
                for (const name of STORED_HEADERS) {
                  const value = reply.getHeader(name);
                  if (typeof value === 'string') headers[name] = value;
                }
                const stored =
                  redact.length > 0 && isRecord(body)
                    ? { ...body, ...Object.fromEntries(redact.map((f) => [f, null])) }
                    : body;
                await this.#save(
                  client.keyId,
                  key,
                  { status: reply.statusCode, headers, body: stored },
                  headers['x-transaction-id'],
                );
                return body;
              }),
              catchError((err: unknown) =>
                from(this.#onError(client.keyId, key, request, err)).pipe(
                  mergeMap(() => throwError(() => err)),
                ),
              ),
            );
        }
      }),
    );
  }

  async #onError(clientId: string, key: string, request: FastifyRequest, err: unknown): Promise<void> {
    const problem = toProblem(err, request.method);
    if (err instanceof LedgerError && err.kind === 'chaincode' && problem.status < 500) {
      const rendered = renderProblem(problem, request);
      await this.#save(clientId, key, rendered, problem.extensions.txId);
    } else {
      await this.store
        .release(clientId, key)
        .catch((e: unknown) => this.#logFailure('release', request.id, e));
    }
  }

  async #save(
    clientId: string,
    key: string,
    response: StoredResponse,
    txId: string | undefined,
  ): Promise<void> {
    // The ledger has spoken: a database hiccup must not turn the outcome into an error. The key
    // stays "in progress" and is taken over once stale.
    await this.store
      .complete(clientId, key, response, txId)
      .catch((e: unknown) => this.#logFailure('complete', undefined, e));
  }

  #logFailure(step: string, correlationId: string | undefined, err: unknown): void {
    this.logger.write('error', `idempotency record ${step} failed`, {
      correlationId,
      error: err instanceof Error ? err.message : String(err),
    });
  }
}

/**
 * Hash of what makes two requests "the same": method, path with query, and canonical JSON body.
 * With a key it is an HMAC: a body with a phone number must not leave a plain hash that a guess
 * can be checked against in the database.
 */
export function requestHash(
  request: Pick<FastifyRequest, 'method' | 'url' | 'body'>,
  key?: Uint8Array,
): string {
  const message = `${request.method} ${request.url}\n${canonicalJson(request.body)}`;
  return (key ? createHmac('sha256', key) : createHash('sha256')).update(message).digest('hex');
}

/** JSON with object keys sorted at every level, so key order does not change the hash. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return '';
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
