import { generateApiKey } from './auth/api-key';
import { anAsset, withAssets } from './testing/fake-assets';
import { request, startTestApp, type TestApp, testConfig } from './testing/test-app';

describe('API keys over HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    withAssets(t.ledger, new Map([['LOT-1', anAsset({ id: 'LOT-1' })]]));
  });
  afterAll(() => t.close());

  const problem = (code: string, status: number) => ({
    type: `urn:waybill:problem:${code.toLowerCase().replace(/_/g, '-')}`,
    status,
    code,
    instance: '/v1/assets/LOT-1',
    correlationId: expect.any(String) as string,
    retryable: false,
  });

  it('accepts a key as X-API-Key or as a Bearer token and acts as its identity', async () => {
    const key = t.keys['manufacturer-user1'] ?? '';
    expect(await request(t, 'GET', '/v1/assets/LOT-1', { key })).toMatchObject({
      status: 200,
      body: { id: 'LOT-1' },
    });
    expect(
      await request(t, 'GET', '/v1/assets/LOT-1', { headers: { authorization: `Bearer ${key}` } }),
    ).toMatchObject({ status: 200 });
    expect(t.ledger.callsOf('getAsset').map((c) => c.identity)).toEqual([
      'manufacturer-user1',
      'manufacturer-user1',
    ]);
  });

  it('answers 401 AUTH_REQUIRED without a key', async () => {
    const r = await request(t, 'GET', '/v1/assets/LOT-1');
    expect(r).toMatchObject({
      status: 401,
      headers: { 'www-authenticate': 'Bearer' },
      body: problem('AUTH_REQUIRED', 401),
    });
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it.each([
    ['a malformed key', 'not-a-key'],
    ['an unknown key', generateApiKey().key],
    ['a wrong secret', 'WRONG'],
    ['a non-Bearer Authorization', 'BASIC'],
  ])('answers 401 API_KEY_INVALID for %s', async (_what, presented) => {
    const valid = t.keys['manufacturer-user1'] ?? '';
    const headers =
      presented === 'WRONG'
        ? { 'x-api-key': `${valid.slice(0, -3)}AAA` }
        : presented === 'BASIC'
          ? { authorization: 'Basic dXNlcjpwYXNz' }
          : { 'x-api-key': presented };
    expect(await request(t, 'GET', '/v1/assets/LOT-1', { headers })).toMatchObject({
      status: 401,
      body: problem('API_KEY_INVALID', 401),
    });
    expect(t.ledger.callsOf('getAsset').filter((c) => c.identity !== 'manufacturer-user1')).toEqual([]);
  });

  it('stops a key revoked by another process within the refresh interval (401 API_KEY_REVOKED)', async () => {
    const { key, apiKey } = await t.outsideKeys.create({
      name: 'to revoke',
      identityId: 'manufacturer-user1',
    });
    expect((await request(t, 'GET', '/v1/assets/LOT-1', { key })).status).toBe(200);
    await t.outsideKeys.revoke(apiKey.keyId);
    await new Promise((resolve) => setTimeout(resolve, 120)); // refreshMs is 50 in tests
    expect(await request(t, 'GET', '/v1/assets/LOT-1', { key })).toMatchObject({
      status: 401,
      body: problem('API_KEY_REVOKED', 401),
    });
  });

  it('keeps admin endpoints to admin identities (403 ROLE_FORBIDDEN)', async () => {
    const r = await request(t, 'GET', '/v1/admin/api-keys', { key: t.keys['manufacturer-user1'] });
    expect(r).toMatchObject({ status: 403, body: { code: 'ROLE_FORBIDDEN', detail: 'requires role admin' } });
  });

  it('lets an admin create, list and revoke keys; a revoked key stops at once on this gateway', async () => {
    const admin = t.keys['manufacturer-admin'] ?? '';
    const created = await request(t, 'POST', '/v1/admin/api-keys', {
      key: admin,
      body: { name: 'wms', identityId: 'manufacturer-auditor' },
    });
    expect(created).toMatchObject({
      status: 201,
      headers: { 'cache-control': 'no-store' },
      body: {
        key: expect.stringMatching(/^wb_/) as string,
        apiKey: { name: 'wms', identityId: 'manufacturer-auditor', role: 'auditor', revokedAt: null },
      },
    });
    const newKey = String(created.body.key);
    const keyId = (created.body.apiKey as { keyId: string }).keyId;
    expect((await request(t, 'GET', '/v1/assets/LOT-1', { key: newKey })).status).toBe(200);

    const list = await request(t, 'GET', '/v1/admin/api-keys', { key: admin });
    expect(list.body.items).toEqual(
      expect.arrayContaining([expect.objectContaining({ keyId, name: 'wms' })]),
    );
    expect(JSON.stringify(list.body)).not.toContain(newKey.slice(20));

    expect(await request(t, 'POST', `/v1/admin/api-keys/${keyId}/revoke`, { key: admin })).toMatchObject({
      status: 200,
      body: { keyId, revokedAt: expect.any(String) as string },
    });
    expect((await request(t, 'GET', '/v1/assets/LOT-1', { key: newKey })).body).toMatchObject({
      code: 'API_KEY_REVOKED',
    });
    expect(
      await request(t, 'POST', '/v1/admin/api-keys/ffffffffffffffff/revoke', { key: admin }),
    ).toMatchObject({ status: 404, body: { code: 'API_KEY_NOT_FOUND' } });
    expect(
      await request(t, 'POST', '/v1/admin/api-keys', {
        key: admin,
        body: { name: 'x', identityId: 'carrier-user1' },
      }),
    ).toMatchObject({
      status: 422,
      body: { code: 'IDENTITY_UNKNOWN' },
    });
  });

  it('does not store a created key in the idempotency record: a replay shows key null', async () => {
    const admin = t.keys['manufacturer-admin'] ?? '';
    const headers = { 'idempotency-key': 'create-wms-2' };
    const first = await request(t, 'POST', '/v1/admin/api-keys', {
      key: admin,
      headers,
      body: { name: 'wms2', identityId: 'manufacturer-user1' },
    });
    const replay = await request(t, 'POST', '/v1/admin/api-keys', {
      key: admin,
      headers,
      body: { name: 'wms2', identityId: 'manufacturer-user1' },
    });
    expect(first.body.key).toMatch(/^wb_/);
    expect(replay).toMatchObject({
      status: 201,
      headers: { 'idempotent-replayed': 'true' },
      body: { key: null, apiKey: first.body.apiKey },
    });
    const stored = JSON.stringify(await t.db.query('SELECT response_body FROM idempotency_keys'));
    expect(stored).not.toContain(String(first.body.key));
  });

  it('answers 403 IDENTITY_UNAVAILABLE for a key whose identity left the profile', async () => {
    const config = testConfig();
    const other = await startTestApp({
      config: {
        ...config,
        profile: {
          ...config.profile,
          identities: config.profile.identities.filter((i) => i.id !== 'manufacturer-user1'),
        },
      },
      database: t.db,
    });
    try {
      const r = await request(other, 'GET', '/v1/assets/LOT-1', { key: t.keys['manufacturer-user1'] });
      expect(r).toMatchObject({ status: 403, body: { code: 'IDENTITY_UNAVAILABLE' } });
    } finally {
      // Closing would close the shared database: stop only what the second app started.
      await other.app.getHttpAdapter().getInstance().close();
    }
  });
});

describe('rate limiting', () => {
  it('limits each client to its bucket and answers 429 with Retry-After', async () => {
    const t = await startTestApp({ config: testConfig({ rateLimit: { perSecond: 1, burst: 2 } }) });
    try {
      withAssets(t.ledger, new Map([['LOT-1', anAsset({ id: 'LOT-1' })]]));
      const key = t.keys['manufacturer-user1'];
      const statuses = [];
      for (let i = 0; i < 3; i++)
        statuses.push((await request(t, 'GET', '/v1/assets/LOT-1', { key })).status);
      expect(statuses).toEqual([200, 200, 429]);
      expect(await request(t, 'GET', '/v1/assets/LOT-1', { key })).toMatchObject({
        status: 429,
        headers: { 'retry-after': '1' },
        body: { code: 'RATE_LIMITED', retryable: true },
      });
      expect(
        (await request(t, 'GET', '/v1/assets/LOT-1', { key: t.keys['manufacturer-auditor'] })).status,
      ).toBe(200);
      expect((await request(t, 'GET', '/health/live')).status).toBe(200);
    } finally {
      await t.close();
    }
  });
});
