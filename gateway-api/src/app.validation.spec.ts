import { anAsset, withAssets } from './testing/fake-assets';
import { request, startTestApp, type TestApp } from './testing/test-app';

const validAsset = {
  id: 'LOT-1',
  product: { sku: 'COFFEE-1KG', description: 'Arabica, 1 kg bags' },
  quantity: { amount: 120.5, unit: 'kg' },
  origin: { site: 'Finca El Paraiso', country: 'CO' },
  attributes: { grade: 'A' },
  documents: [{ name: 'phyto.pdf', sha256: 'a'.repeat(64) }],
};

describe('request validation', () => {
  let t: TestApp;
  let key: string;
  beforeAll(async () => {
    t = await startTestApp();
    key = t.keys['manufacturer-user1'] ?? '';
    withAssets(t.ledger, new Map([['LOT-1', anAsset({ id: 'LOT-1' })]]));
    t.ledger.handle('createAsset', (c) => anAsset(JSON.parse(c.args[0] ?? '{}') as { id: string }));
    t.ledger.handle('acceptHandover', (c) => anAsset({ id: c.args[0] ?? '' }));
  });
  afterAll(() => t.close());

  const failed = (errors: { field?: string; message: string }[]) => ({
    status: 400,
    body: { type: 'urn:waybill:problem:validation-failed', code: 'VALIDATION_FAILED', status: 400, errors },
  });

  it('accepts a valid asset and hands it to the chaincode unchanged', async () => {
    const r = await request(t, 'POST', '/v1/assets', { key, body: validAsset });
    expect(r).toMatchObject({
      status: 201,
      headers: { location: '/v1/assets/LOT-1' },
      body: { attempts: 1, result: { id: 'LOT-1' } },
    });
    expect(JSON.parse(t.ledger.callsOf('createAsset')[0]?.args[0] ?? '')).toEqual(validAsset);
  });

  it('rejects unknown fields, at any depth, before the ledger sees anything', async () => {
    const calls = t.ledger.calls.length;
    expect(
      await request(t, 'POST', '/v1/assets', { key, body: { ...validAsset, owner: 'CarrierMSP' } }),
    ).toMatchObject(failed([{ field: 'owner', message: 'property owner should not exist' }]));
    expect(
      await request(t, 'POST', '/v1/assets', {
        key,
        body: { ...validAsset, product: { ...validAsset.product, price: 3 } },
      }),
    ).toMatchObject(failed([{ field: 'product.price', message: 'property price should not exist' }]));
    expect(t.ledger.calls.length).toBe(calls);
  });

  it('lists every invalid field by its path', async () => {
    const r = await request(t, 'POST', '/v1/assets', {
      key,
      body: {
        ...validAsset,
        id: 'bad id',
        quantity: { amount: -1, unit: 'kg' },
        documents: [{ name: 'x', sha256: 'NOTHEX' }],
      },
    });
    expect(r.status).toBe(400);
    expect(r.body.errors).toEqual([
      { field: 'id', message: 'id must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$' },
      {
        field: 'quantity.amount',
        message: 'amount must be a number > 0 and <= 1000000000 with at most 6 decimals',
      },
      { field: 'documents[0].sha256', message: 'sha256 must be 64 lowercase hex characters' },
    ]);
  });

  it('validates path and query parameters', async () => {
    expect(await request(t, 'GET', '/v1/assets/bad%20id', { key })).toMatchObject(
      failed([{ field: 'assetId', message: 'assetId must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$' }]),
    );
    expect(
      (await request(t, 'GET', '/v1/assets?owner=ManufacturerMSP&limit=500', { key })).body,
    ).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ field: 'limit', message: 'limit must not be greater than 100' }],
    });
    expect((await request(t, 'GET', '/v1/assets?status=LOST', { key })).body).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ field: 'status' }],
    });
    expect(
      (await request(t, 'GET', '/v1/assets?colour=red&owner=ManufacturerMSP', { key })).body,
    ).toMatchObject({
      errors: [{ field: 'colour', message: 'property colour should not exist' }],
    });
    expect((await request(t, 'GET', '/v1/transactions/xyz', { key })).body).toMatchObject({
      errors: [{ field: 'txId' }],
    });
  });

  it('takes an action without input with no body or {}, and refuses any field', async () => {
    expect((await request(t, 'POST', '/v1/assets/LOT-1/handover/accept', { key })).status).toBe(200);
    expect((await request(t, 'POST', '/v1/assets/LOT-1/handover/accept', { key, body: {} })).status).toBe(
      200,
    );
    expect(
      (
        await request(t, 'POST', '/v1/assets/LOT-1/handover/accept', {
          key,
          body: '',
          headers: { 'content-type': 'application/json' },
        })
      ).status,
    ).toBe(200);
    expect(
      await request(t, 'POST', '/v1/assets/LOT-1/handover/accept', { key, body: { toOrg: 'CarrierMSP' } }),
    ).toMatchObject(failed([{ field: 'toOrg', message: 'property toOrg should not exist' }]));
  });

  it('answers malformed JSON 400, other media types 415 and oversized bodies 413, all as problems', async () => {
    expect(
      await request(t, 'POST', '/v1/assets', {
        key,
        body: '{"id": ',
        headers: { 'content-type': 'application/json' },
      }),
    ).toMatchObject({ status: 400, body: { code: 'MALFORMED_REQUEST' } });
    expect(
      await request(t, 'POST', '/v1/assets', {
        key,
        body: 'id=LOT-1',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
    ).toMatchObject({
      status: 415,
      body: { code: 'UNSUPPORTED_MEDIA_TYPE' },
    });
    const big = { ...validAsset, product: { sku: 'S', description: 'x'.repeat(20_000) } };
    expect(await request(t, 'POST', '/v1/assets', { key, body: big })).toMatchObject({
      status: 413,
      body: { code: 'BODY_TOO_LARGE' },
    });
  });

  it('refuses prototype pollution in JSON bodies', async () => {
    const r = await request(t, 'POST', '/v1/assets', {
      key,
      body: '{"__proto__": {"admin": true}}',
      headers: { 'content-type': 'application/json' },
    });
    expect(r).toMatchObject({ status: 400, body: { code: 'MALFORMED_REQUEST' } });
  });

  it('answers unknown routes with 404 ROUTE_NOT_FOUND', async () => {
    expect(await request(t, 'GET', '/v2/assets', { key })).toMatchObject({
      status: 404,
      body: { code: 'ROUTE_NOT_FOUND', instance: '/v2/assets' },
    });
  });
});
