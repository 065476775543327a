import { randomBytes } from 'node:crypto';
import { assetBody, call, committed, expectProblem, type Problem } from '../support/api';
import { uniqueId } from '../support/fabric';
import { MSP } from '../support/orgs';

// Every error class, produced for real by the network and the chaincode behind each gateway, and
// answered as problem+json with the correlation id (and the transaction ID where one exists).

/** `WAYBILL_RETRY_MAX_ATTEMPTS`: `stack up` runs the gateways with the default. */
const MAX_ATTEMPTS = 5;

interface Asset {
  id: string;
  status: string;
  attributes: Record<string, string>;
  updatedTxId: string;
}

async function createLot(prefix: string): Promise<string> {
  const id = uniqueId(prefix);
  committed(
    await call('manufacturer', 'POST', '/v1/assets', { as: 'manufacturer-user1', body: assetBody(id) }),
    201,
  );
  return id;
}

describe('partner API errors on the real network', () => {
  let lot: string;

  beforeAll(async () => {
    lot = await createLot('err');
  });

  it('400: the gateway refuses malformed input before any ledger call, naming each field', async () => {
    const res = await call('manufacturer', 'POST', '/v1/assets', {
      as: 'manufacturer-user1',
      body: { ...assetBody(uniqueId('bad')), quantity: { amount: -1, unit: 'case' }, colour: 'red' },
    });
    const problem = expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(problem.txId).toBeUndefined();
    expect(problem.errors?.map((e) => e.field).sort()).toEqual(['colour', 'quantity.amount']);
  });

  it('422: the chaincode’s own validation refuses what the gateway does not check (its personal-data tripwire)', async () => {
    const res = await call('manufacturer', 'POST', '/v1/assets', {
      as: 'manufacturer-user1',
      body: assetBody(uniqueId('bad'), { product: { sku: 'SKU-API-E2E', description: 'call jane.doe@example.com' } }),
    });
    const problem = expectProblem(res, 422, 'INVALID_ARGUMENT');
    expect(problem.detail).toMatch(/description looks like an e-mail address or phone number/);
    // Endorsement was attempted, so the proposal's transaction ID is reported.
    expect(problem.txId).toMatch(/^[0-9a-f]{64}$/);
  });

  it('409: a status that does not allow the action, and an id that exists', async () => {
    const transition = expectProblem(
      await call('manufacturer', 'POST', `/v1/assets/${lot}/hold/release`, { as: 'manufacturer-user1' }),
      409,
      'INVALID_TRANSITION',
    );
    expect(transition).toMatchObject({
      retryable: false,
      txId: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown,
    });
    expectProblem(
      await call('manufacturer', 'POST', '/v1/assets', { as: 'manufacturer-user1', body: assetBody(lot) }),
      409,
      'ASSET_EXISTS',
    );
  });

  it('403: a role the chaincode refuses (carrier creating, auditor writing), and an admin-only endpoint', async () => {
    const carrier = expectProblem(
      await call('carrier', 'POST', '/v1/assets', { as: 'carrier-user1', body: assetBody(uniqueId('c')) }),
      403,
      'FORBIDDEN',
    );
    expect(carrier.detail).toMatch(/role 'carrier' may not createAsset/);
    const auditor = expectProblem(
      await call('authority', 'POST', `/v1/assets/${lot}/hold`, { as: 'auditor1', body: { reason: 'audit' } }),
      403,
      'FORBIDDEN',
    );
    expect(auditor.detail).toMatch(/auditor/);
    // The auditor still reads.
    expect((await call('authority', 'GET', `/v1/assets/${lot}`, { as: 'auditor1' })).status).toBe(200);
    // An organisation that is neither owner nor custodian.
    expectProblem(
      await call('carrier', 'POST', `/v1/assets/${lot}/hold`, { as: 'carrier-user1', body: { reason: 'x' } }),
      403,
      'FORBIDDEN',
    );
    expectProblem(
      await call('retailer', 'GET', '/v1/admin/api-keys', { as: 'retailer-user1' }),
      403,
      'ROLE_FORBIDDEN',
    );
  });

  it('404: unknown asset (read and write), transaction, recall and route', async () => {
    const missing = uniqueId('missing');
    const read = expectProblem(
      await call('carrier', 'GET', `/v1/assets/${missing}`, { as: 'carrier-user1' }),
      404,
      'ASSET_NOT_FOUND',
    );
    // A read is evaluated, never ordered: no transaction ID to report.
    expect(read.txId).toBeUndefined();
    expect(read.instance).toBe(`/v1/assets/${missing}`);
    expectProblem(
      await call('carrier', 'POST', `/v1/assets/${missing}/hold`, {
        as: 'carrier-user1',
        body: { reason: 'x' },
      }),
      404,
      'ASSET_NOT_FOUND',
    );
    expectProblem(
      await call('carrier', 'GET', `/v1/transactions/${randomBytes(32).toString('hex')}`, {
        as: 'carrier-user1',
      }),
      404,
      'TRANSACTION_NOT_FOUND',
    );
    expectProblem(
      await call('carrier', 'GET', `/v1/recalls/${missing}`, { as: 'carrier-user1' }),
      404,
      'RECALL_NOT_FOUND',
    );
    expectProblem(
      await call('carrier', 'GET', '/v1/nothing-here', { as: 'carrier-user1' }),
      404,
      'ROUTE_NOT_FOUND',
    );
  });

  it('X-Min-Block: another organisation’s write is read once its block is there; 503 for a block that does not come, 400 for no block number', async () => {
    const id = uniqueId('minblock');
    const created = committed(
      await call('manufacturer', 'POST', '/v1/assets', { as: 'manufacturer-user1', body: assetBody(id) }),
      201,
    );
    const read = await call('carrier', 'GET', `/v1/assets/${id}`, {
      as: 'carrier-user1',
      headers: { 'x-min-block': String(created.blockNumber) },
    });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id, custodian: MSP.M });

    const ahead = created.blockNumber + 1_000_000;
    const late = await call('carrier', 'GET', `/v1/assets/${id}`, {
      as: 'carrier-user1',
      headers: { 'x-min-block': String(ahead) },
    });
    const problem = expectProblem(late, 503, 'MIN_BLOCK_NOT_REACHED');
    expect(problem.retryable).toBe(true);
    expect(late.headers.get('retry-after')).toBe('1');
    expect(problem.detail).toContain(`block ${ahead} is not yet in this organisation’s peers`);

    const bad = expectProblem(
      await call('carrier', 'GET', `/v1/assets/${id}`, { as: 'carrier-user1', headers: { 'x-min-block': 'latest' } }),
      400,
      'VALIDATION_FAILED',
    );
    expect(bad.errors?.map((e) => e.field)).toEqual(['X-Min-Block']);
  });

  it('401: no key, an unknown key', async () => {
    expectProblem(await call('retailer', 'GET', `/v1/assets/${lot}`), 401, 'AUTH_REQUIRED');
    const forged = `wb_${randomBytes(8).toString('hex')}_${randomBytes(32).toString('base64url')}`;
    expectProblem(
      await call('retailer', 'GET', `/v1/assets/${lot}`, { apiKey: forged }),
      401,
      'API_KEY_INVALID',
    );
  });

  it('keeps a client’s correlation id in the header and the problem', async () => {
    const res = await call('carrier', 'GET', `/v1/assets/${uniqueId('missing')}`, {
      as: 'carrier-user1',
      headers: { 'x-correlation-id': 'order-4711.check:1' },
    });
    expect(expectProblem(res, 404, 'ASSET_NOT_FOUND').correlationId).toBe('order-4711.check:1');
  });

  it('409 retryable: concurrent updates of one asset are retried as new transactions, up to the bound', async () => {
    const id = await createLot('mvcc');
    // Every writer reads version v and all but one of a block's writes to the key are invalidated
    // (MVCC_READ_CONFLICT). A block commits at most one of them, and each writer has MAX_ATTEMPTS
    // transactions, so with far more writers than blocks in that window some must run out.
    const writers = 40;
    const responses = await Promise.all(
      Array.from({ length: writers }, (_, i) =>
        call('manufacturer', 'POST', `/v1/assets/${id}/attributes`, {
          as: 'manufacturer-user1',
          body: { set: { [`k${i}`]: `v${i}` } },
        }),
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.every((s) => s === 200 || s === 409)).toBe(true);

    const won = responses.filter((r) => r.status === 200).map((r) => committed<Asset>(r));
    const lost = responses
      .filter((r) => r.status === 409)
      .map((r) => expectProblem(r, 409, 'TRANSACTION_CONFLICT'));
    expect(won.length).toBeGreaterThan(0);
    // Some writes needed more than one transaction and still succeeded.
    expect(won.some((w) => w.attempts > 1)).toBe(true);
    expect(won.every((w) => w.attempts <= MAX_ATTEMPTS)).toBe(true);
    // Others exhausted the bound: 409, retryable, with the attempts made and the last txId.
    expect(lost.length).toBeGreaterThan(0);
    for (const p of lost) {
      expect(p).toMatchObject<Partial<Problem>>({
        retryable: true,
        attempts: MAX_ATTEMPTS,
        validationCode: 'MVCC_READ_CONFLICT',
      });
      expect(p.txId).toMatch(/^[0-9a-f]{64}$/);
    }
    const lostResponses = responses.filter((r) => r.status === 409);
    expect(lostResponses.every((r) => r.headers.get('retry-after') !== null)).toBe(true);

    // Exactly the writes answered 200 are on the ledger; none of the 409s is.
    const asset = await call<Asset>('manufacturer', 'GET', `/v1/assets/${id}`, { as: 'manufacturer-user1' });
    const expected = Object.fromEntries(
      responses.flatMap((r, i) => (r.status === 200 ? [[`k${i}`, `v${i}`]] : [])),
    );
    expect(asset.body.attributes).toEqual(expected);
    const history = await call<{ entries: { txId: string }[] }>(
      'manufacturer',
      'GET',
      `/v1/assets/${id}/history`,
      {
        as: 'manufacturer-user1',
      },
    );
    expect(history.body.entries).toHaveLength(won.length + 1);
    expect(new Set(history.body.entries.map((e) => e.txId))).toEqual(
      new Set([...won.map((w) => w.txId), history.body.entries.at(-1)?.txId]),
    );
  });
});
