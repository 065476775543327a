import { createHash, createHmac } from 'node:crypto';
import { type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { catchError, from, lastValueFrom, mergeMap, type Observable, of, throwError } from 'rxjs';
import { toProblem } from '../http/error-mapping';
import type { JsonLogger } from '../common/logger';
import { renderProblem } from '../common/problem-response';
import { ProblemException } from '../common/problems';
import type { AuthenticatedClient } from '../common/client';
import { IDEMPOTENCY_REDACT, TX_ID_HEADER } from '../common/request-context';
import { watchSubmissions } from '../common/submissions';
import { LedgerError, outcomeKnown } from '../ledger/ledger.errors';
import type { MetricsService } from '../metrics/metrics.service';
import type { TransactionStatus } from '../ledger/ledger.port';
import type { IdempotencyDecision, IdempotencyStore, StoredResponse } from './idempotency.store';

/**
 * How a key left behind by a dead request is settled: by the commit status of the transaction it
 * sent to be ordered.
 */
export interface IdempotencyRecovery {
  /** This process's id (owner of the keys it takes). */
  readonly owner: string;
  /** The ledger's view of a transaction (waits briefly for its commit). */
  readonly status: (client: AuthenticatedClient, txId: string) => Promise<TransactionStatus>;
  /**
   * After this long since it was sent to be ordered, a transaction the ledger does not know will
   * never commit (its submit and commit deadlines are long over): the request may run anew.
   */
  readonly commitWindowMs: number;
  readonly now?: () => number;
}

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
    private readonly recovery?: IdempotencyRecovery,
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
    const owner = this.recovery?.owner ?? null;
    return from(
      this.store.begin(client.keyId, key, hash, owner).then((d) => this.#settle(client, key, owner, d)),
    ).pipe(
      mergeMap((decision) => {
        switch (decision.kind) {
          case 'unsettled':
            throw new ProblemException('IDEMPOTENCY_KEY_IN_PROGRESS', undefined, {}, { 'Retry-After': '5' });
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
          case 'proceed': {
            // Every transaction the request sends to be ordered is recorded on the key first, so
            // that a crash leaves the key settleable by commit status (see #settle).
            let submitted = false;
            return from(
              watchSubmissions(
                async (txId) => {
                  await this.store.recordSubmission(client.keyId, key, owner, txId);
                  submitted = true;
                },
                () => lastValueFrom(next.handle(), { defaultValue: undefined }),
              ),
            ).pipe(
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
                from(this.#onError(client.keyId, key, owner, submitted, request, err)).pipe(
                  mergeMap(() => throwError(() => err)),
                ),
              ),
            );
          }
        }
      }),
    );
  }

  /**
   * A key whose request died after sending a transaction: a committed valid transaction is the
   * answer (202 with its status URL, as for `Prefer: respond-async`, stored for later repeats); an
   * invalid one, or one that can no longer commit, had no effect and the request runs anew; one
   * that may still commit leaves the key in progress.
   */
  async #settle(
    client: AuthenticatedClient,
    key: string,
    owner: string | null,
    decision: IdempotencyDecision,
  ): Promise<IdempotencyDecision> {
    if (decision.kind !== 'unsettled' || !this.recovery) return decision;
    const status = await this.recovery.status(client, decision.txId);
    if (status.committed && status.successful) {
      const statusUrl = `/v1/transactions/${decision.txId}`;
      const response: StoredResponse = {
        status: 202,
        headers: {
          'content-type': 'application/json; charset=utf-8',
          location: statusUrl,
          [TX_ID_HEADER]: decision.txId,
        },
        body: { txId: decision.txId, status: 'SUBMITTED', statusUrl },
      };
      this.logger.write('info', 'idempotency key settled by commit status', {
        txId: decision.txId,
        validationCode: status.validationCode,
      });
      return (await this.store.settle(client.keyId, key, decision, response))
        ? { kind: 'replay', response }
        : { kind: 'in-progress' };
    }
    const now = (this.recovery.now ?? Date.now)();
    if (!status.committed && decision.submittedAt > now - this.recovery.commitWindowMs) return decision;
    this.logger.write('info', 'idempotency key taken over: its transaction had no effect', {
      txId: decision.txId,
      validationCode: status.committed ? status.validationCode : 'NOT_COMMITTED',
    });
    return (await this.store.takeOver(client.keyId, key, decision, owner))
      ? { kind: 'proceed' }
      : { kind: 'in-progress' };
  }

  async #onError(
    clientId: string,
    key: string,
    owner: string | null,
    submitted: boolean,
    request: FastifyRequest,
    err: unknown,
  ): Promise<void> {
    const problem = toProblem(err, request.method);
    if (err instanceof LedgerError && err.kind === 'chaincode' && problem.status < 500) {
      const rendered = renderProblem(problem, request);
      await this.#save(clientId, key, rendered, problem.extensions.txId);
    } else if (submitted && !outcomeKnown(err)) {
      // A transaction went to the orderer and its outcome is unknown (commit-status timeout…):
      // the key is not released, lest a retry run the request a second time; the retry is
      // answered from the transaction's commit status instead.
      await this.store
        .abandon(clientId, key, owner)
        .catch((e: unknown) => this.#logFailure('abandon', request.id, e));
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
