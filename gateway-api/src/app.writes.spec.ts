import { LedgerUnavailableError } from './ledger/ledger.errors';
import { chaincodeError } from './ledger/testing/fake-ledger';
import { anAsset, withAssets } from './testing/fake-assets';
import { request, startTestApp, type TestApp } from './testing/test-app';

const HEX64 = /^[0-9a-f]{64}$/;

describe('writes over HTTP', () => {
  let t: TestApp;
  let key: string;
  beforeEach(async () => {
    t = await startTestApp();
    key = t.keys['manufacturer-user1'] ?? '';
    withAssets(t.ledger, new Map([['LOT-1', anAsset({ id: 'LOT-1', custodian: 'CarrierMSP' })]]));
    t.ledger.handle('putOnHold', (c) => anAsset({ id: c.args[0] ?? '', status: 'ON_HOLD' }));
  });
  afterEach(() => t.close());

  const hold = (headers: Record<string, string> = {}, reason = 'temperature excursion') =>
    request(t, 'POST', '/v1/assets/LOT-1/hold', { key, body: { reason }, headers });

  describe('synchronous', () => {
    it('waits for the commit and answers with the transaction, block and attempts', async () => {
      const r = await hold();
      const call = t.ledger.callsOf('putOnHold')[0];
      expect(r).toMatchObject({
        status: 200,
        headers: { 'x-transaction-id': call?.txId },
        body: { txId: call?.txId, blockNumber: 0, attempts: 1, result: { id: 'LOT-1', status: 'ON_HOLD' } },
      });
      expect(call).toMatchObject({
        args: ['LOT-1', 'temperature excursion'],
        endorsingOrganizations: ['CarrierMSP', 'ManufacturerMSP'],
      });
    });

    it('retries MVCC conflicts with new transactions and says how many were made', async () => {
      t.ledger.conflictNext('putOnHold', 2);
      const r = await hold();
      expect(r).toMatchObject({ status: 200, body: { attempts: 3 } });
      expect(new Set(t.ledger.callsOf('putOnHold').map((c) => c.txId)).size).toBe(3);
    });

    it('answers 409 TRANSACTION_CONFLICT, retryable, once the attempts are spent', async () => {
      t.ledger.conflictNext('putOnHold', 3);
      const r = await hold();
      expect(r).toMatchObject({
        status: 409,
        headers: { 'retry-after': '1' },
        body: {
          code: 'TRANSACTION_CONFLICT',
          retryable: true,
          attempts: 3,
          validationCode: 'MVCC_READ_CONFLICT',
          txId: t.ledger.callsOf('putOnHold')[2]?.txId,
        },
      });
    });
  });

  describe('Prefer: respond-async', () => {
    it('answers 202 with the transaction ID, then its status moves from PENDING to COMMITTED', async () => {
      const r = await hold({ prefer: 'respond-async, wait=5' });
      const txId = String(r.body.txId);
      expect(txId).toMatch(HEX64);
      expect(r).toMatchObject({
        status: 202,
        headers: {
          location: `/v1/transactions/${txId}`,
          'preference-applied': 'respond-async',
          'x-transaction-id': txId,
        },
        body: { txId, status: 'SUBMITTED', statusUrl: `/v1/transactions/${txId}` },
      });
      expect(t.ledger.callsOf('putOnHold')).toMatchObject([{ kind: 'submitAsync' }]);

      expect(await request(t, 'GET', `/v1/transactions/${txId}`, { key })).toMatchObject({
        status: 200,
        body: {
          txId,
          status: 'PENDING',
          transaction: 'putOnHold',
          submittedAt: expect.any(String) as string,
        },
      });
      t.ledger.commitPending();
      expect(await request(t, 'GET', `/v1/transactions/${txId}`, { key })).toEqual(
        expect.objectContaining({
          status: 200,
          body: { txId, status: 'COMMITTED', valid: true, validationCode: 'VALID', blockNumber: 0 },
        }),
      );
    });

    it('reports an invalidated async transaction with its validation code', async () => {
      const { body } = await hold({ prefer: 'respond-async' });
      t.ledger.commitPending('MVCC_READ_CONFLICT');
      expect((await request(t, 'GET', `/v1/transactions/${String(body.txId)}`, { key })).body).toMatchObject({
        status: 'COMMITTED',
        valid: false,
        validationCode: 'MVCC_READ_CONFLICT',
      });
    });

    it('answers 404 for a transaction neither the ledger nor this gateway knows', async () => {
      expect(await request(t, 'GET', `/v1/transactions/${'e'.repeat(64)}`, { key })).toMatchObject({
        status: 404,
        body: { code: 'TRANSACTION_NOT_FOUND' },
      });
    });
  });

  describe('Idempotency-Key', () => {
    it('replays the original response for the same key and body, and submits nothing', async () => {
      const first = await hold({ 'idempotency-key': 'hold-1' });
      const again = await hold({ 'idempotency-key': 'hold-1' });
      expect(again.status).toBe(first.status);
      expect(again.body).toEqual(first.body);
      expect(again.headers).toMatchObject({
        'idempotent-replayed': 'true',
        'x-transaction-id': first.body.txId,
      });
      expect(t.ledger.callsOf('putOnHold')).toHaveLength(1);
    });

    it('replays an async 202 with the same transaction ID', async () => {
      const first = await hold({ 'idempotency-key': 'async-1', prefer: 'respond-async' });
      const again = await hold({ 'idempotency-key': 'async-1', prefer: 'respond-async' });
      expect(again).toMatchObject({
        status: 202,
        headers: { location: first.headers.location },
        body: first.body,
      });
      expect(t.ledger.callsOf('putOnHold')).toHaveLength(1);
    });

    it('answers 422 for the same key with another body', async () => {
      await hold({ 'idempotency-key': 'hold-2' });
      expect(await hold({ 'idempotency-key': 'hold-2' }, 'another reason')).toMatchObject({
        status: 422,
        body: { code: 'IDEMPOTENCY_KEY_REUSED', type: 'urn:waybill:problem:idempotency-key-reused' },
      });
      expect(t.ledger.callsOf('putOnHold')).toHaveLength(1);
    });

    it('replays a rejection decided by the ledger', async () => {
      t.ledger.failNext(
        'putOnHold',
        chaincodeError('INVALID_TRANSITION', 'cannot putOnHold asset in status SOLD'),
      );
      const first = await hold({ 'idempotency-key': 'hold-3' });
      const again = await hold({ 'idempotency-key': 'hold-3' });
      expect(first).toMatchObject({ status: 409, body: { code: 'INVALID_TRANSITION' } });
      expect(again).toMatchObject({
        status: 409,
        headers: { 'idempotent-replayed': 'true' },
        body: first.body,
      });
      expect(again.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(t.ledger.callsOf('putOnHold')).toHaveLength(1);
    });

    it('lets the client retry with the same key after a failure that decided nothing', async () => {
      t.ledger.failNext('putOnHold', new LedgerUnavailableError({ stage: 'endorse', message: 'down' }));
      expect((await hold({ 'idempotency-key': 'hold-4' })).status).toBe(503);
      expect((await hold({ 'idempotency-key': 'hold-4' })).status).toBe(200);
      expect(
        await request(t, 'POST', '/v1/assets/LOT-1/hold', {
          key,
          body: { reason: '' },
          headers: { 'idempotency-key': 'hold-5' },
        }),
      ).toMatchObject({
        status: 400,
      });
      expect((await hold({ 'idempotency-key': 'hold-5' })).status).toBe(200);
    });

    it('answers 409 while the first request with the key is still running', async () => {
      let release: () => void = () => undefined;
      t.ledger.handle(
        'putOnHold',
        () => new Promise((resolve) => (release = () => resolve(anAsset({ id: 'LOT-1' })))),
      );
      const first = hold({ 'idempotency-key': 'slow' });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await hold({ 'idempotency-key': 'slow' })).toMatchObject({
        status: 409,
        body: { code: 'IDEMPOTENCY_KEY_IN_PROGRESS', retryable: true },
      });
      release();
      expect((await first).status).toBe(200);
    });

    it('scopes keys to the API key and rejects malformed keys', async () => {
      await hold({ 'idempotency-key': 'shared' });
      const other = await request(t, 'POST', '/v1/assets/LOT-1/hold', {
        key: t.keys['manufacturer-auditor'],
        body: { reason: 'x' },
        headers: { 'idempotency-key': 'shared' },
      });
      expect(other.headers['idempotent-replayed']).toBeUndefined();
      expect(t.ledger.callsOf('putOnHold')).toHaveLength(2);
      expect(await hold({ 'idempotency-key': 'has space' })).toMatchObject({
        status: 400,
        body: { code: 'IDEMPOTENCY_KEY_INVALID' },
      });
    });
  });
});
