import {
  EndorsementError,
  type LedgerError,
  LedgerInternalError,
  LedgerTimeoutError,
  LedgerUnavailableError,
  TransactionInvalidError,
} from './ledger/ledger.errors';
import { chaincodeError } from './ledger/testing/fake-ledger';
import { anAsset, withAssets } from './testing/fake-assets';
import { request, startTestApp, type TestApp } from './testing/test-app';

const TX = 'd'.repeat(64);
const PEER_TEXT = 'peer0.carrier.example:9051 said: panic at goroutine 7 /opt/fabric/core';

describe('ledger errors over HTTP', () => {
  let t: TestApp;
  let key: string;
  beforeAll(async () => {
    t = await startTestApp();
    key = t.keys['manufacturer-user1'] ?? '';
    withAssets(t.ledger, new Map([['LOT-1', anAsset({ id: 'LOT-1', custodian: 'CarrierMSP' })]]));
    t.ledger.handle('proposeHandover', () => anAsset({ id: 'LOT-1' }));
  });
  afterAll(() => t.close());

  it.each<[string, LedgerError, number, Record<string, unknown>]>([
    [
      'chaincode validation',
      chaincodeError('INVALID_ARGUMENT', "input.toOrg 'X' is not a member organisation", 'endorse', TX),
      422,
      {
        code: 'INVALID_ARGUMENT',
        detail: "input.toOrg 'X' is not a member organisation",
        txId: TX,
        retryable: false,
      },
    ],
    [
      'a forbidden role',
      chaincodeError('FORBIDDEN', "role 'auditor' may not proposeHandover", 'endorse', TX),
      403,
      { code: 'FORBIDDEN', detail: "role 'auditor' may not proposeHandover", txId: TX },
    ],
    [
      'a missing asset',
      chaincodeError('ASSET_NOT_FOUND', "asset 'LOT-1' does not exist", 'endorse', TX),
      404,
      { code: 'ASSET_NOT_FOUND', txId: TX },
    ],
    [
      'an invalid transition',
      chaincodeError('INVALID_TRANSITION', 'cannot proposeHandover asset in status SOLD', 'endorse', TX),
      409,
      { code: 'INVALID_TRANSITION', retryable: false },
    ],
    [
      'a pending conflict',
      chaincodeError('CONFLICT', 'a handover is already pending', 'endorse', TX),
      409,
      { code: 'CONFLICT' },
    ],
    [
      'a chaincode inconsistency',
      chaincodeError('INTERNAL', PEER_TEXT, 'endorse', TX),
      500,
      { code: 'INTERNAL_ERROR', txId: TX },
    ],
    [
      'an endorsement policy failure',
      new TransactionInvalidError({
        stage: 'commitStatus',
        txId: TX,
        message: PEER_TEXT,
        validationCode: 'ENDORSEMENT_POLICY_FAILURE',
      }),
      502,
      { code: 'ENDORSEMENT_POLICY_FAILURE', validationCode: 'ENDORSEMENT_POLICY_FAILURE', txId: TX },
    ],
    [
      'an endorsement failure',
      new EndorsementError({ stage: 'endorse', txId: TX, message: PEER_TEXT }),
      502,
      { code: 'ENDORSEMENT_FAILED', txId: TX },
    ],
    [
      'an unreachable peer',
      new LedgerUnavailableError({ stage: 'endorse', txId: TX, message: PEER_TEXT }),
      503,
      { code: 'LEDGER_UNAVAILABLE', retryable: true },
    ],
    [
      'a deadline before the orderer (the peer did not answer)',
      new LedgerTimeoutError({ stage: 'endorse', txId: TX, message: PEER_TEXT }),
      503,
      { code: 'LEDGER_UNAVAILABLE', retryable: true },
    ],
    [
      'a deadline sending to the orderer',
      new LedgerTimeoutError({ stage: 'submit', txId: TX, message: PEER_TEXT }),
      504,
      { code: 'LEDGER_TIMEOUT', retryable: true },
    ],
    [
      'a commit not confirmed in time',
      new LedgerTimeoutError({ stage: 'commitStatus', txId: TX, message: PEER_TEXT }),
      504,
      { code: 'COMMIT_TIMEOUT', txId: TX },
    ],
    [
      'anything else',
      new LedgerInternalError({ stage: 'submit', message: PEER_TEXT }),
      500,
      { code: 'INTERNAL_ERROR' },
    ],
  ])(
    'maps %s to its status as problem+json, without peer internals',
    async (_what, error, status, members) => {
      // A policy failure of a write with chosen endorsers is retried (stale holders): it fails on
      // each of the app's 3 attempts here.
      const policy = error instanceof TransactionInvalidError && error.validationCode === 'ENDORSEMENT_POLICY_FAILURE';
      t.ledger.failNext('proposeHandover', ...Array.from({ length: policy ? 3 : 1 }, () => error));
      const r = await request(t, 'POST', '/v1/assets/LOT-1/handover', {
        key,
        body: { toOrg: 'RetailerMSP' },
        headers: { 'x-correlation-id': 'corr-42' },
      });
      expect(r.status).toBe(status);
      expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(r.headers['x-correlation-id']).toBe('corr-42');
      expect(r.body).toMatchObject({
        type: expect.stringMatching(/^urn:waybill:problem:[a-z-]+$/) as string,
        title: expect.any(String) as string,
        status,
        instance: '/v1/assets/LOT-1/handover',
        correlationId: 'corr-42',
        ...members,
      });
      if (members.txId) expect(r.headers['x-transaction-id']).toBe(TX);
      expect(JSON.stringify(r.body)).not.toMatch(/peer0|goroutine|\/opt\/fabric|stack|at \w+ \(/);
    },
  );

  it('logs the internals it does not send, with the correlation id', async () => {
    t.ledger.failNext(
      'proposeHandover',
      new EndorsementError({ stage: 'endorse', txId: TX, message: PEER_TEXT }),
    );
    await request(t, 'POST', '/v1/assets/LOT-1/handover', {
      key,
      body: { toOrg: 'RetailerMSP' },
      headers: { 'x-correlation-id': 'corr-log' },
    });
    expect(t.logs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          level: 'error',
          msg: 'request failed',
          correlationId: 'corr-log',
          code: 'ENDORSEMENT_FAILED',
          message: PEER_TEXT,
          stage: 'endorse',
          txId: TX,
        }),
        expect.objectContaining({
          level: 'warn',
          msg: 'request',
          correlationId: 'corr-log',
          status: 502,
          route: '/v1/assets/:assetId/handover',
          txId: TX,
          code: 'ENDORSEMENT_FAILED',
        }),
      ]),
    );
  });

  it('answers 503 on reads when no peer answers', async () => {
    t.ledger.unavailable = true;
    try {
      expect(await request(t, 'GET', '/v1/assets/LOT-1', { key })).toMatchObject({
        status: 503,
        headers: { 'retry-after': '5' },
        body: { code: 'LEDGER_UNAVAILABLE', retryable: true },
      });
    } finally {
      t.ledger.unavailable = false;
    }
  });

  it('answers TERMS_MISSING on a read as 404', async () => {
    t.ledger.failNext('getTerms', chaincodeError('TERMS_MISSING', 'no terms agreed yet', 'evaluate'));
    expect(await request(t, 'GET', '/v1/assets/LOT-1/sale/terms', { key })).toMatchObject({
      status: 404,
      body: { code: 'TERMS_MISSING', status: 404 },
    });
  });
});
