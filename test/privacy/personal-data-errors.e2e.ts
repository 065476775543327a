import { call } from '../support/api';
import { uniqueId } from '../support/fabric';

// Bad personal-data input on the real stack: 4xx problem+json that never echoes the value, and
// nothing half-written (no asset, no record).

const PURPOSE = { 'x-purpose': 'errors-suite' };

describe('personal data: bad input', () => {
  let subjectId = '';
  beforeAll(async () => {
    const r = await call<{ subjectId: string }>('manufacturer', 'POST', '/v1/personal-data/subjects', {
      as: 'manufacturer-user1',
      headers: PURPOSE,
    });
    expect(r.status).toBe(201);
    subjectId = r.body.subjectId;
  });

  const create = (id: string, personalData: unknown[], headers: Record<string, string> = PURPOSE) =>
    call<{ code: string; errors?: { field: string; message: string }[] }>(
      'manufacturer',
      'POST',
      '/v1/assets',
      {
        as: 'manufacturer-user1',
        headers,
        body: {
          id,
          product: { sku: 'SKU-PD-ERR', description: 'Crate of lemons' },
          quantity: { amount: 1, unit: 'case' },
          origin: { site: 'Grove 9', country: 'IT' },
          personalData,
        },
      },
    );

  it.each([
    ['malformed e-mail', { category: 'email', value: 'ottavio.at.example' }, 'personalData[0].value'],
    ['malformed phone', { category: 'phone', value: '347-CALL-ME' }, 'personalData[0].value'],
    ['unknown category', { category: 'blood-type', value: 'AB+' }, 'personalData[0].category'],
    ['oversize value', { category: 'notes', value: 'Ottavio '.repeat(1000) }, 'personalData[0].value'],
    [
      'oversize for its category',
      { category: 'name', value: 'Ottavio '.repeat(30) },
      'personalData[0].value',
    ],
    ['missing value', { category: 'name' }, 'personalData[0].value'],
  ])(
    '%s: 400 VALIDATION_FAILED naming the field, value not echoed, nothing written',
    async (_n, item, field) => {
      const id = uniqueId('pd-err');
      const r = await create(id, [{ subjectId, ...item }]);
      expect(r).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      expect(r.body.errors?.map((e) => e.field)).toContain(field);
      expect(JSON.stringify(r.body)).not.toMatch(/Ottavio|ottavio|CALL-ME|AB\+/);
      const asset = await call('manufacturer', 'GET', `/v1/assets/${id}`, { as: 'manufacturer-user1' });
      expect(asset).toMatchObject({ status: 404, body: { code: 'ASSET_NOT_FOUND' } });
    },
  );

  it('refuses a missing purpose, an unknown subject and client-made commitments', async () => {
    const noPurpose = await create(
      uniqueId('pd-err'),
      [{ subjectId, category: 'name', value: 'Ottavio Neri' }],
      {},
    );
    // The body's `purpose` is the documented field (OpenAPI: required with personalData); the header still stands in for it.
    expect(noPurpose).toMatchObject({ status: 400, body: { errors: [{ field: 'purpose', message: expect.stringContaining('X-Purpose') as string }] } });
    const unknown = await create(uniqueId('pd-err'), [
      { subjectId: '00000000-0000-4000-8000-000000000000', category: 'name', value: 'Ottavio Neri' },
    ]);
    expect(unknown).toMatchObject({ status: 404, body: { code: 'PERSONAL_DATA_NOT_FOUND' } });
    const forged = await call('manufacturer', 'POST', '/v1/assets', {
      as: 'manufacturer-user1',
      body: {
        id: uniqueId('pd-err'),
        product: { sku: 'SKU-PD-ERR', description: 'Crate of lemons' },
        quantity: { amount: 1, unit: 'case' },
        origin: { site: 'Grove 9', country: 'IT' },
        personalDataRefs: [{ ref: 'a'.repeat(32), commitment: 'b'.repeat(64), category: 'name' }],
      },
    });
    expect(forged).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
  });

  it('answers 404 for records that do not exist and 400 for malformed refs', async () => {
    const missing = await call('manufacturer', 'GET', `/v1/personal-data/records/${'0'.repeat(32)}`, {
      as: 'manufacturer-user1',
      headers: PURPOSE,
    });
    expect(missing).toMatchObject({ status: 404, body: { code: 'PERSONAL_DATA_NOT_FOUND' } });
    const malformed = await call('manufacturer', 'GET', '/v1/personal-data/records/not-a-ref', {
      as: 'manufacturer-user1',
      headers: PURPOSE,
    });
    expect(malformed).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
  });

  it('runs the retention job on demand for admins only', async () => {
    const user = await call('manufacturer', 'POST', '/v1/personal-data/retention/run', {
      as: 'manufacturer-user1',
    });
    expect(user).toMatchObject({ status: 403, body: { code: 'ROLE_FORBIDDEN' } });
    const admin = await call<{ recordsErased: number; ledger: unknown[] }>(
      'manufacturer',
      'POST',
      '/v1/personal-data/retention/run',
      { as: 'manufacturer-admin1' },
    );
    expect(admin.status).toBe(200);
    expect(admin.body).toEqual({
      recordsErased: expect.any(Number) as unknown,
      ledger: expect.any(Array) as unknown,
    });
  });
});
