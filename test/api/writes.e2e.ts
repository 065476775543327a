import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ApiResponse, assetBody, call, committed, expectProblem } from '../support/api';
import { uniqueId } from '../support/fabric';

// Idempotent replays and asynchronous submits against the real ledger: the asset's history is
// the proof of what was (and was not) submitted.

interface Asset {
  id: string;
  status: string;
  attributes: Record<string, string>;
  updatedTxId: string;
}

interface History {
  entries: { txId: string; asset: Asset | null }[];
}

interface TxStatus {
  txId: string;
  status: 'COMMITTED' | 'PENDING';
  valid?: boolean;
  validationCode?: string;
  blockNumber?: number;
}

const M = 'manufacturer';
const as = 'manufacturer-user1';

async function historyTxIds(id: string): Promise<string[]> {
  const res = await call<History>(M, 'GET', `/v1/assets/${id}/history`, { as });
  expect(res.status).toBe(200);
  return res.body.entries.map((e) => e.txId);
}

/** Polls the transaction status until it is committed (the endpoint itself waits up to 1 s per call). */
async function pollCommitted(statusUrl: string): Promise<{ polls: number; last: ApiResponse<TxStatus> }> {
  const deadline = Date.now() + 60_000;
  for (let polls = 1; ; polls++) {
    const last = await call<TxStatus>(M, 'GET', statusUrl, { as });
    expect(last.status).toBe(200);
    if (last.body.status === 'COMMITTED' || Date.now() > deadline) return { polls, last };
    expect(last.body.status).toBe('PENDING');
    await sleep(100);
  }
}

describe('partner API writes on the real network', () => {
  describe('Idempotency-Key', () => {
    it('replays a create with the original answer and submits nothing a second time', async () => {
      const id = uniqueId('idem');
      const key = randomUUID();
      const body = assetBody(id);
      const first = await call(M, 'POST', '/v1/assets', { as, body, headers: { 'idempotency-key': key } });
      const original = committed<Asset>(first, 201);
      expect(first.headers.get('idempotent-replayed')).toBeNull();

      // Same key, same request (keys in another order): the stored answer, nothing submitted.
      const reordered = Object.fromEntries(Object.entries(body).reverse());
      const again = await call(M, 'POST', '/v1/assets', {
        as,
        body: reordered,
        headers: { 'idempotency-key': key },
      });
      expect(again.status).toBe(201);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body).toEqual(first.body);
      expect(again.headers.get('x-transaction-id')).toBe(original.txId);
      expect(again.headers.get('location')).toBe(`/v1/assets/${id}`);
      // Without the key, the same body is a new transaction and the chaincode refuses it.
      expectProblem(await call(M, 'POST', '/v1/assets', { as, body }), 409, 'ASSET_EXISTS');

      expect(await historyTxIds(id)).toEqual([original.txId]);
    });

    it('replays an action once committed; the asset changes once', async () => {
      const id = uniqueId('idem');
      committed(await call(M, 'POST', '/v1/assets', { as, body: assetBody(id) }), 201);
      const key = randomUUID();
      const send = () =>
        call(M, 'POST', `/v1/assets/${id}/attributes`, {
          as,
          body: { set: { grade: 'A' } },
          headers: { 'idempotency-key': key },
        });
      const first = committed<Asset>(await send());
      const replays = await Promise.all([send(), send(), send()]);
      for (const r of replays) {
        expect(r.status).toBe(200);
        expect(r.headers.get('idempotent-replayed')).toBe('true');
        expect((r.body as { txId: string }).txId).toBe(first.txId);
      }
      const txIds = await historyTxIds(id);
      expect(txIds).toHaveLength(2);
      expect(txIds[0]).toBe(first.txId);
    });

    it('answers concurrent repeats of a running request with 409 in progress, never a second transaction', async () => {
      const id = uniqueId('idem');
      committed(await call(M, 'POST', '/v1/assets', { as, body: assetBody(id) }), 201);
      const key = randomUUID();
      const responses = await Promise.all(
        Array.from({ length: 4 }, () =>
          call(M, 'POST', `/v1/assets/${id}/hold`, {
            as,
            body: { reason: 'inspection' },
            headers: { 'idempotency-key': key },
          }),
        ),
      );
      const ok = responses.filter((r) => r.status === 200);
      const busy = responses.filter((r) => r.status === 409);
      expect(ok.length + busy.length).toBe(4);
      expect(ok.length).toBeGreaterThanOrEqual(1);
      for (const r of busy) expect(expectProblem(r, 409, 'IDEMPOTENCY_KEY_IN_PROGRESS').retryable).toBe(true);
      const txIds = new Set(ok.map((r) => (r.body as { txId: string }).txId));
      expect(txIds.size).toBe(1);
      const history = await historyTxIds(id);
      expect(history).toHaveLength(2);
      expect(txIds.has(history[0] ?? '')).toBe(true);
    });

    it('refuses the same key with a different body (422) and submits nothing', async () => {
      const id = uniqueId('idem');
      committed(await call(M, 'POST', '/v1/assets', { as, body: assetBody(id) }), 201);
      const key = randomUUID();
      const path = `/v1/assets/${id}/attributes`;
      committed(
        await call(M, 'POST', path, {
          as,
          body: { set: { grade: 'A' } },
          headers: { 'idempotency-key': key },
        }),
      );
      const reused = await call(M, 'POST', path, {
        as,
        body: { set: { grade: 'B' } },
        headers: { 'idempotency-key': key },
      });
      expectProblem(reused, 422, 'IDEMPOTENCY_KEY_REUSED');
      const asset = await call<Asset>(M, 'GET', `/v1/assets/${id}`, { as });
      expect(asset.body.attributes).toEqual({ grade: 'A' });
      expect(await historyTxIds(id)).toHaveLength(2);
    });

    it('replays a rejection the ledger decided, with its transaction ID', async () => {
      const id = uniqueId('idem');
      committed(await call(M, 'POST', '/v1/assets', { as, body: assetBody(id) }), 201);
      const key = randomUUID();
      const send = () =>
        call(M, 'POST', `/v1/assets/${id}/hold/release`, { as, headers: { 'idempotency-key': key } });
      const first = expectProblem(await send(), 409, 'INVALID_TRANSITION');
      const again = await send();
      expect(again.status).toBe(409);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body).toEqual(first);
      expect(await historyTxIds(id)).toHaveLength(1);
    });
  });

  describe('Prefer: respond-async', () => {
    it('answers 202 with the txId, then the status reports the validation code and block', async () => {
      const id = uniqueId('async');
      const res = await call<{ txId: string; status: string; statusUrl: string }>(M, 'POST', '/v1/assets', {
        as,
        body: assetBody(id),
        headers: { prefer: 'respond-async' },
      });
      expect(res.status).toBe(202);
      expect(res.headers.get('preference-applied')).toBe('respond-async');
      const { txId, statusUrl } = res.body;
      expect(res.body).toEqual({ txId, status: 'SUBMITTED', statusUrl: `/v1/transactions/${txId}` });
      expect(txId).toMatch(/^[0-9a-f]{64}$/);
      expect(res.headers.get('location')).toBe(statusUrl);
      expect(res.headers.get('x-transaction-id')).toBe(txId);

      const { last } = await pollCommitted(statusUrl);
      expect(last.body).toEqual({
        txId,
        status: 'COMMITTED',
        valid: true,
        validationCode: 'VALID',
        blockNumber: expect.any(Number) as unknown,
      });
      expect(last.body.blockNumber).toBeGreaterThan(0);
      const asset = await call<Asset>(M, 'GET', `/v1/assets/${id}`, { as });
      expect(asset.body).toMatchObject({ id, updatedTxId: txId });

      // Another organisation's gateway can ask about any committed transaction of the channel.
      const elsewhere = await call<TxStatus>('retailer', 'GET', statusUrl, { as: 'retailer-user1' });
      expect(elsewhere.body).toEqual(last.body);
    });

    it('reports an async write that lost a race as committed invalid (MVCC_READ_CONFLICT)', async () => {
      const id = uniqueId('async');
      committed(await call(M, 'POST', '/v1/assets', { as, body: assetBody(id) }), 201);
      // Sent at once, they are endorsed against the same version and ordered into the same block
      // or two (100 ms batches); only the first write of the key in a block is valid.
      const RACERS = 8;
      const accepted = await Promise.all(
        Array.from({ length: RACERS }, (_, i) =>
          call<{ txId: string; statusUrl: string }>(M, 'POST', `/v1/assets/${id}/attributes`, {
            as,
            body: { set: { [`k${i}`]: 'v' } },
            headers: { prefer: 'respond-async' },
          }),
        ),
      );
      expect(accepted.map((r) => r.status)).toEqual(Array.from({ length: RACERS }, () => 202));
      const finals = await Promise.all(accepted.map((r) => pollCommitted(r.body.statusUrl)));
      const codes = finals.map((f) => f.last.body.validationCode);
      expect(codes).toContain('VALID');
      expect(codes).toContain('MVCC_READ_CONFLICT');
      for (const f of finals) {
        expect(f.last.body.status).toBe('COMMITTED');
        expect(f.last.body.valid).toBe(f.last.body.validationCode === 'VALID');
      }
      const valid = accepted.filter((_, i) => codes[i] === 'VALID').map((r) => r.body.txId);
      const history = await historyTxIds(id);
      expect(history.slice(0, valid.length).sort()).toEqual([...valid].sort());
      expect(history).toHaveLength(valid.length + 1);
    });
  });
});
