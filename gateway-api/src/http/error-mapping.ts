import { HttpException } from '@nestjs/common';
import { type AnyLedgerError, LedgerError } from '../ledger/ledger.errors';
import { CHAINCODE_PROBLEMS, isChaincodeCode, ProblemException } from '../common/problems';

/**
 * Turns anything thrown while serving a request into the problem to answer with. Only codes are
 * mapped, never free text; peer messages and stack traces stay in the logs.
 */
export function toProblem(err: unknown, method: string): ProblemException {
  if (err instanceof ProblemException) return err;
  if (err instanceof LedgerError) return fromLedgerError(err as AnyLedgerError, method);
  const fastify = fastifyErrorStatus(err);
  if (fastify !== undefined) return fromHttpStatus(fastify);
  if (err instanceof HttpException) return fromHttpStatus(err.getStatus());
  return new ProblemException('INTERNAL_ERROR');
}

/** Maps a ledger error: chaincode codes by table, the rest by kind. */
export function fromLedgerError(err: AnyLedgerError, method: string): ProblemException {
  // An evaluated proposal never becomes a ledger transaction: its ID would only mislead.
  const txId = err.txId === undefined || err.stage === 'evaluate' ? {} : { txId: err.txId };
  switch (err.kind) {
    case 'chaincode': {
      if (!isChaincodeCode(err.code)) return new ProblemException('CHAINCODE_ERROR', undefined, txId);
      if (err.code === 'INTERNAL') return new ProblemException('INTERNAL_ERROR', undefined, txId);
      const status =
        err.code === 'TERMS_MISSING' && method === 'GET' ? 404 : CHAINCODE_PROBLEMS[err.code].status;
      return new ProblemException(err.code, err.chaincodeMessage || undefined, txId, {}, status);
    }
    case 'conflict':
      return new ProblemException(
        'TRANSACTION_CONFLICT',
        `the asset changed concurrently; ${err.attempts} transaction(s) were tried`,
        { ...txId, attempts: err.attempts, validationCode: err.validationCode },
        { 'Retry-After': '1' },
      );
    case 'invalid':
      return new ProblemException(
        err.validationCode === 'ENDORSEMENT_POLICY_FAILURE'
          ? 'ENDORSEMENT_POLICY_FAILURE'
          : 'TRANSACTION_INVALID',
        undefined,
        { ...txId, validationCode: err.validationCode },
      );
    case 'endorsement':
      return new ProblemException('ENDORSEMENT_FAILED', undefined, txId);
    case 'identity':
      return new ProblemException(
        'IDENTITY_REFUSED',
        "the ledger's peers refused this API key's identity (access denied): its certificate is revoked, expired or not valid on the channel; ask your organisation's administrator",
        txId,
      );
    case 'unavailable':
      return new ProblemException('LEDGER_UNAVAILABLE', UNAVAILABLE_DETAIL[err.stage], txId, {
        'Retry-After': '5',
      });
    case 'timeout':
      if (err.stage === 'commitStatus') {
        return new ProblemException(
          'COMMIT_TIMEOUT',
          'the transaction was sent to the orderer and may still commit: poll GET /v1/transactions/{txId}',
          txId,
        );
      }
      if (err.stage === 'evaluate' || err.stage === 'endorse') {
        // Nothing reached the orderer, so nothing can commit: the organisation's peer is out of
        // reach or overloaded, or (endorse) the other organisations' endorsers are (a cut-off link
        // hangs rather than refuses) — unavailable, retry.
        return new ProblemException(
          'LEDGER_UNAVAILABLE',
          err.stage === 'evaluate'
            ? "this organisation's peer did not answer in time (evaluate); nothing was written"
            : "the endorsing peers did not answer in time (this organisation's, or those of the other organisations the endorsement policy needs); nothing was written",
          txId,
          { 'Retry-After': '5' },
        );
      }
      return new ProblemException('LEDGER_TIMEOUT', `the ledger did not answer in time (${err.stage})`, txId);
    case 'internal':
      return new ProblemException('INTERNAL_ERROR', undefined, txId);
  }
}

/**
 * What could not be reached, by the stage that failed. An endorsement needs the peers of the
 * organisations the endorsement policy asks for, not only this organisation's: on a host cut off
 * from the others its own peer answers (reads are served) and the endorsement still cannot be had.
 */
const UNAVAILABLE_DETAIL: Readonly<Record<AnyLedgerError['stage'], string>> = {
  evaluate: 'no peer of this organisation could be reached',
  endorse:
    "the endorsing peers could not be reached (this organisation's, or those of the other organisations the endorsement policy needs); nothing was written",
  submit: "this organisation's peer or the ordering service could not be reached (submit)",
  commitStatus: "this organisation's peer could not be reached to learn the transaction's outcome",
  events: 'no peer of this organisation could be reached',
};

function fromHttpStatus(status: number): ProblemException {
  switch (status) {
    case 400:
      return new ProblemException('MALFORMED_REQUEST', 'the request body or headers could not be parsed');
    case 404:
      return new ProblemException('ROUTE_NOT_FOUND');
    case 413:
      return new ProblemException('BODY_TOO_LARGE');
    case 415:
      return new ProblemException('UNSUPPORTED_MEDIA_TYPE', 'send application/json');
    case 503:
      return new ProblemException('SERVICE_UNAVAILABLE');
    default:
      return new ProblemException('INTERNAL_ERROR');
  }
}

/** Fastify's own errors (body parsing, limits) carry `code: FST_…` and a 4xx `statusCode`. */
function fastifyErrorStatus(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { code, statusCode } = err as { code?: unknown; statusCode?: unknown };
  if (typeof statusCode !== 'number' || statusCode < 400 || statusCode >= 500) return undefined;
  if (typeof code === 'string' && code.startsWith('FST_')) return statusCode;
  // JSON.parse failures in Fastify's body parser surface as SyntaxError with statusCode 400.
  if (err instanceof SyntaxError) return statusCode;
  return undefined;
}
