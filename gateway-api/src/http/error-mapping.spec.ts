import { NotFoundException } from '@nestjs/common';
import { ERROR_CODES } from '@waybill/chaincode/constants';
import {
  EndorsementError,
  LedgerInternalError,
  LedgerTimeoutError,
  LedgerUnavailableError,
  TransactionConflictError,
  TransactionInvalidError,
} from '../ledger/ledger.errors';
import { chaincodeError } from '../ledger/testing/fake-ledger';
import { toProblem } from './error-mapping';
import { renderProblem } from '../common/problem-response';
import { PROBLEMS, ProblemException, problemType } from '../common/problems';

const TX = 'b'.repeat(64);
const summary = (p: ProblemException) => ({
  code: p.code,
  status: p.status,
  detail: p.detail,
  ...p.extensions,
});

describe('toProblem', () => {
  it.each([
    ['INVALID_ARGUMENT', 422],
    ['ASSET_NOT_FOUND', 404],
    ['ASSET_EXISTS', 409],
    ['DOCUMENT_NOT_FOUND', 404],
    ['PERSONAL_DATA_REF_NOT_FOUND', 404],
    ['RECALL_NOT_FOUND', 404],
    ['INVALID_TRANSITION', 409],
    ['FORBIDDEN', 403],
    ['CONFLICT', 409],
    ['LIMIT_EXCEEDED', 422],
    ['TERMS_MISMATCH', 409],
    ['TERMS_MISSING', 409],
  ])('maps chaincode %s to %i with its message and the txId', (code, status) => {
    expect(summary(toProblem(chaincodeError(code, 'the detail', 'endorse', TX), 'POST'))).toEqual({
      code,
      status,
      detail: 'the detail',
      txId: TX,
    });
  });

  it('covers every chaincode code', () => {
    for (const code of Object.values(ERROR_CODES)) {
      expect(toProblem(chaincodeError(code, 'x'), 'POST').status).toBeGreaterThanOrEqual(400);
    }
  });

  it('answers TERMS_MISSING on a read with 404', () => {
    expect(toProblem(chaincodeError('TERMS_MISSING', 'no terms', 'evaluate'), 'GET').status).toBe(404);
  });

  it('gives no transaction ID for an evaluated proposal, which never reaches the ledger', () => {
    expect(summary(toProblem(chaincodeError('ASSET_NOT_FOUND', 'gone', 'evaluate', TX), 'GET'))).toEqual({
      code: 'ASSET_NOT_FOUND',
      status: 404,
      detail: 'gone',
    });
  });

  it('hides the chaincode’s INTERNAL detail and unknown codes', () => {
    expect(
      summary(
        toProblem(chaincodeError('INTERNAL', 'corrupt record at key \u0000asset', 'endorse', TX), 'POST'),
      ),
    ).toEqual({
      code: 'INTERNAL_ERROR',
      status: 500,
      detail: undefined,
      txId: TX,
    });
    expect(summary(toProblem(chaincodeError('SOMETHING_NEW', 'x'), 'POST'))).toEqual({
      code: 'CHAINCODE_ERROR',
      status: 500,
      detail: undefined,
    });
  });

  it.each([
    [
      new TransactionConflictError({
        stage: 'commitStatus',
        txId: TX,
        message: 'm',
        validationCode: 'MVCC_READ_CONFLICT',
      }),
      {
        code: 'TRANSACTION_CONFLICT',
        status: 409,
        txId: TX,
        attempts: 1,
        validationCode: 'MVCC_READ_CONFLICT',
      },
    ],
    [
      new TransactionInvalidError({
        stage: 'commitStatus',
        txId: TX,
        message: 'm',
        validationCode: 'ENDORSEMENT_POLICY_FAILURE',
      }),
      {
        code: 'ENDORSEMENT_POLICY_FAILURE',
        status: 502,
        txId: TX,
        validationCode: 'ENDORSEMENT_POLICY_FAILURE',
      },
    ],
    [
      new TransactionInvalidError({
        stage: 'commitStatus',
        txId: TX,
        message: 'm',
        validationCode: 'BAD_RWSET',
      }),
      { code: 'TRANSACTION_INVALID', status: 502, txId: TX, validationCode: 'BAD_RWSET' },
    ],
    [
      new EndorsementError({ stage: 'endorse', txId: TX, message: 'peer said no' }),
      { code: 'ENDORSEMENT_FAILED', status: 502, txId: TX },
    ],
    [
      new LedgerUnavailableError({
        stage: 'evaluate',
        message: '14 UNAVAILABLE: connect ECONNREFUSED 127.0.0.1:7051',
      }),
      { code: 'LEDGER_UNAVAILABLE', status: 503 },
    ],
    [
      new LedgerTimeoutError({ stage: 'endorse', txId: TX, message: 'deadline' }),
      { code: 'LEDGER_UNAVAILABLE', status: 503, txId: TX },
    ],
    [
      new LedgerTimeoutError({ stage: 'evaluate', message: 'deadline' }),
      { code: 'LEDGER_UNAVAILABLE', status: 503 },
    ],
    [
      new LedgerTimeoutError({ stage: 'submit', txId: TX, message: 'deadline' }),
      { code: 'LEDGER_TIMEOUT', status: 504, txId: TX },
    ],
    [
      new LedgerTimeoutError({ stage: 'commitStatus', txId: TX, message: 'deadline' }),
      { code: 'COMMIT_TIMEOUT', status: 504, txId: TX },
    ],
    [
      new LedgerInternalError({ stage: 'evaluate', message: 'identity x is not in the profile' }),
      { code: 'INTERNAL_ERROR', status: 500 },
    ],
    [new Error('TypeError in our code'), { code: 'INTERNAL_ERROR', status: 500 }],
    [new NotFoundException(), { code: 'ROUTE_NOT_FOUND', status: 404 }],
    [
      Object.assign(new Error('too large'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }),
      { code: 'BODY_TOO_LARGE', status: 413 },
    ],
  ])('maps %p by kind', (err, expected) => {
    expect(summary(toProblem(err, 'POST'))).toMatchObject(expected);
  });

  it("says what could not be reached: for an endorsement, not only this organisation's peer", () => {
    // Seen on a host cut off from the others (test/network/multihost.e2e.ts): its own peer answers,
    // the other organisations' endorsers do not, and the Fabric Gateway answers UNAVAILABLE.
    const endorse = toProblem(
      new LedgerUnavailableError({ stage: 'endorse', txId: TX, message: '14 UNAVAILABLE: endorsers' }),
      'POST',
    );
    expect(summary(endorse)).toMatchObject({ code: 'LEDGER_UNAVAILABLE', status: 503, txId: TX });
    expect(endorse.detail).toMatch(/endorsing peers could not be reached.*other organisations.*nothing was written/);
    expect(endorse.headers).toEqual({ 'Retry-After': '5' });
    // Right after such a cut the connections to the other organisations' peers hang, and the
    // endorse deadline comes first.
    const late = toProblem(new LedgerTimeoutError({ stage: 'endorse', txId: TX, message: 'deadline' }), 'POST');
    expect(summary(late)).toMatchObject({ code: 'LEDGER_UNAVAILABLE', status: 503, txId: TX });
    expect(late.detail).toMatch(/endorsing peers did not answer in time.*other organisations.*nothing was written/);
    const lateRead = toProblem(new LedgerTimeoutError({ stage: 'evaluate', message: 'deadline' }), 'GET');
    expect(lateRead.detail).toMatch(/^this organisation's peer did not answer in time/);
    const evaluate = toProblem(new LedgerUnavailableError({ stage: 'evaluate', message: 'x' }), 'GET');
    expect(evaluate.detail).toBe('no peer of this organisation could be reached');
    const submit = toProblem(new LedgerUnavailableError({ stage: 'submit', txId: TX, message: 'x' }), 'POST');
    expect(submit.detail).not.toMatch(/nothing was written/);
  });

  it('never lets peer text into the detail of a ledger failure', () => {
    const err = new LedgerUnavailableError({
      stage: 'evaluate',
      message: '14 UNAVAILABLE: connect ECONNREFUSED 127.0.0.1:7051',
    });
    expect(
      JSON.stringify(renderProblem(toProblem(err, 'GET'), { id: 'c1', url: '/v1/assets/A' })),
    ).not.toMatch(/ECONNREFUSED|7051/);
  });
});

describe('renderProblem', () => {
  it('renders RFC 9457 members plus code, correlation id, retryable and extensions', () => {
    const rendered = renderProblem(
      new ProblemException(
        'TRANSACTION_CONFLICT',
        'tried 3',
        { txId: TX, attempts: 3 },
        { 'Retry-After': '1' },
      ),
      {
        id: 'corr-1',
        url: '/v1/assets/A/handover/accept?x=1',
      },
    );
    expect(rendered).toEqual({
      status: 409,
      headers: { 'content-type': 'application/problem+json', 'Retry-After': '1', 'x-transaction-id': TX },
      body: {
        type: 'urn:waybill:problem:transaction-conflict',
        title: 'Concurrent update: transaction invalidated by a read conflict',
        status: 409,
        detail: 'tried 3',
        instance: '/v1/assets/A/handover/accept',
        code: 'TRANSACTION_CONFLICT',
        correlationId: 'corr-1',
        retryable: true,
        txId: TX,
        attempts: 3,
      },
    });
  });

  it('gives every code a distinct, stable type', () => {
    const types = Object.keys(PROBLEMS).map((c) => problemType(c as keyof typeof PROBLEMS));
    expect(new Set(types).size).toBe(types.length);
    expect(problemType('ASSET_NOT_FOUND')).toBe('urn:waybill:problem:asset-not-found');
  });
});
