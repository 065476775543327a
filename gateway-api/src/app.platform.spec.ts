import { anAsset, withAssets } from './testing/fake-assets';
import { request, startTestApp, type TestApp, testConfig } from './testing/test-app';

describe('platform endpoints', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    withAssets(t.ledger, new Map([['LOT-1', anAsset({ id: 'LOT-1' })]]));
    t.ledger.handle('assetExists', () => false);
  });
  afterAll(() => t.close());

  it('serves liveness and readiness without a key', async () => {
    expect(await request(t, 'GET', '/health/live')).toMatchObject({ status: 200, body: { status: 'pass' } });
    expect(await request(t, 'GET', '/health/ready')).toMatchObject({
      status: 200,
      headers: { 'cache-control': 'no-store' },
      body: { status: 'pass', checks: { ledger: 'pass', database: 'pass', shuttingDown: false } },
    });
    expect(t.ledger.callsOf('assetExists')).toMatchObject([
      { kind: 'evaluate', identity: 'manufacturer-user1', args: ['health-check'] },
    ]);
  });

  it('shows an admin each peer of the organisation, the channel height and the orderers (others: 403)', async () => {
    t.ledger.peers = [
      { name: 'peer0.manufacturer', endpoint: 'localhost:7051', reachable: true },
      { name: 'peer1.manufacturer', endpoint: 'localhost:7061', reachable: false },
    ];
    const r = await request(t, 'GET', '/v1/admin/network', { key: t.keys['manufacturer-admin'] });
    expect(r).toMatchObject({ status: 200, headers: { 'cache-control': 'no-store' } });
    const height = r.body.height as number;
    expect(height).toBeGreaterThanOrEqual(0);
    expect(r.body).toEqual({
      readiness: { status: 'pass', checks: { ledger: 'pass', database: 'pass', shuttingDown: false } },
      adapter: 'fake',
      organization: 'Manufacturer',
      mspId: 'ManufacturerMSP',
      channel: 'supplychain',
      chaincode: 'waybill',
      height,
      peers: [
        { name: 'peer0.manufacturer', endpoint: 'localhost:7051', reachable: true, height, problem: null },
        {
          name: 'peer1.manufacturer',
          endpoint: 'localhost:7061',
          reachable: false,
          height: null,
          problem: 'unavailable',
        },
      ],
      ordering: {
        consensusType: 'etcdraft',
        orderers: [{ mspId: 'OrdererMSP', endpoint: 'localhost:7050' }],
        consenters: ['localhost:7050'],
      },
    });
    expect(await request(t, 'GET', '/v1/admin/network', { key: t.keys['manufacturer-user1'] })).toMatchObject(
      {
        status: 403,
        body: { code: 'ROLE_FORBIDDEN' },
      },
    );
    expect(await request(t, 'GET', '/v1/admin/network')).toMatchObject({ status: 401 });
  });

  it('reports every peer unreachable and no ordering service while the ledger is down, still 200', async () => {
    t.ledger.unavailable = true;
    try {
      // Readiness is cached for a second: wait it out, so that the answer is consistent.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const r = await request(t, 'GET', '/v1/admin/network', { key: t.keys['manufacturer-admin'] });
      expect(r).toMatchObject({
        status: 200,
        body: {
          readiness: { status: 'fail', checks: { ledger: 'fail' } },
          height: null,
          peers: [
            { name: 'peer0.manufacturer', reachable: false, height: null, problem: 'unavailable' },
            { name: 'peer1.manufacturer', reachable: false, height: null, problem: 'unavailable' },
          ],
          ordering: null,
        },
      });
    } finally {
      t.ledger.unavailable = false;
      t.ledger.peers = [{ name: 'peer0.manufacturer', endpoint: 'localhost:7051', reachable: true }];
    }
  });

  it('counts requests, latencies, ledger calls and errors for Prometheus', async () => {
    const key = t.keys['manufacturer-user1'];
    await request(t, 'GET', '/v1/assets/LOT-1', { key });
    await request(t, 'GET', '/v1/assets/NOPE', { key });
    const r = await request(t, 'GET', '/metrics');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/plain/);
    const text = r.text;
    expect(text).toContain(
      'waybill_http_requests_total{method="GET",route="/v1/assets/:assetId",status="200"} 1',
    );
    expect(text).toContain(
      'waybill_http_requests_total{method="GET",route="/v1/assets/:assetId",status="404"} 1',
    );
    expect(text).toContain(
      'waybill_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/v1/assets/:assetId",status="200"}',
    );
    expect(text).toMatch(
      /waybill_ledger_call_duration_seconds_count\{kind="evaluate",transaction="getAsset",outcome="chaincode"\} 1/,
    );
    expect(text).toContain('waybill_errors_total{code="ASSET_NOT_FOUND"} 1');
    expect(text).toContain('# TYPE waybill_ledger_retries_total counter');
  });

  it('publishes OpenAPI 3.1 with every route, and the Swagger UI', async () => {
    const spec = await request(t, 'GET', '/docs/openapi.json');
    expect(spec).toMatchObject({
      status: 200,
      body: { openapi: '3.1.0', info: { title: 'Waybill gateway API — Manufacturer' } },
    });
    const paths = spec.body.paths as Record<string, Record<string, { operationId: string }>>;
    const operations = Object.values(paths).flatMap((p) => Object.values(p).map((o) => o.operationId));
    expect(operations.sort()).toEqual(
      [
        'createAsset',
        'listAssets',
        'mergeAssets',
        'getAsset',
        'getAssetHistory',
        'getLineage',
        'verifyDocument',
        'addDocument',
        'updateAttributes',
        'proposeHandover',
        'acceptHandover',
        'rejectHandover',
        'cancelHandover',
        'proposeSale',
        'agreeSaleTerms',
        'getTerms',
        'acceptSale',
        'rejectSale',
        'cancelSale',
        'putOnHold',
        'releaseHold',
        'markSold',
        'consumeAsset',
        'destroyAsset',
        'splitAsset',
        'recallAsset',
        'getRecall',
        'continueRecall',
        'getTransaction',
        'createApiKey',
        'listApiKeys',
        'revokeApiKey',
        'rotateApiKey',
        'createSubject',
        'addPersonalData',
        'readPersonalData',
        'rectifyPersonalData',
        'exportSubject',
        'eraseSubject',
        'verifyPersonalData',
        'accessLog',
        'runRetention',
        'signInConsole',
        'getConsoleSession',
        'signOutConsole',
        'streamEvents',
        'createWebhook',
        'listWebhooks',
        'getWebhook',
        'deleteWebhook',
        'listDeliveries',
        'listDeadLetters',
        'redeliver',
        'redeliverDeadLetters',
        'listSinks',
        'getSink',
        'listSinkDeadLetters',
        'redeliverSinkDeadLetters',
        'redeliverSinkDeadLetter',
        'listFunctions',
        'listInvocations',
        'readModelStatus',
        'reconcileReadModel',
        'live',
        'ready',
        'networkStatus',
      ].sort(),
    );
    const ui = await request(t, 'GET', '/docs');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger-ui');
  });

  it('echoes a valid X-Correlation-Id and replaces an unsafe one', async () => {
    expect(
      (await request(t, 'GET', '/health/live', { headers: { 'x-correlation-id': 'order-7781' } })).headers[
        'x-correlation-id'
      ],
    ).toBe('order-7781');
    const replaced = (
      await request(t, 'GET', '/health/live', { headers: { 'x-correlation-id': 'bad value\u0007' } })
    ).headers['x-correlation-id'];
    expect(replaced).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('keeps CORS off by default', async () => {
    const r = await request(t, 'OPTIONS', '/v1/assets', {
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('writes one JSON access-log line per request, never the API key', async () => {
    const key = t.keys['manufacturer-user1'] ?? '';
    await request(t, 'GET', '/v1/assets/LOT-1', { key, headers: { 'x-correlation-id': 'log-check' } });
    const line = t.logs.find((l) => l.msg === 'request' && l.correlationId === 'log-check');
    expect(line).toEqual({
      time: expect.any(String) as string,
      level: 'info',
      msg: 'request',
      correlationId: 'log-check',
      method: 'GET',
      route: '/v1/assets/:assetId',
      path: '/v1/assets/LOT-1',
      status: 200,
      durationMs: expect.any(Number) as number,
      clientKeyId: key.slice(3, 19),
      identity: 'manufacturer-user1',
    });
    expect(JSON.stringify(t.logs)).not.toContain(key.slice(20));
  });
});

describe('CORS when configured', () => {
  it('answers preflights for the configured origins only', async () => {
    const t = await startTestApp({ config: testConfig({ http: { corsOrigins: ['https://app.example'] } }) });
    try {
      const allowed = await request(t, 'OPTIONS', '/v1/assets', {
        headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
      });
      expect(allowed.headers).toMatchObject({ 'access-control-allow-origin': 'https://app.example' });
      expect(allowed.status).toBe(204);
      expect(String(allowed.headers['access-control-expose-headers'])).toContain('X-Transaction-Id');
      const other = await request(t, 'OPTIONS', '/v1/assets', {
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      });
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await t.close();
    }
  });
});

describe('graceful shutdown', () => {
  it('finishes in-flight requests, refuses new ones, then closes ledger and database', async () => {
    const t = await startTestApp();
    withAssets(t.ledger, new Map([['LOT-1', anAsset({ id: 'LOT-1' })]]));
    let release: () => void = () => undefined;
    t.ledger.handle(
      'putOnHold',
      () => new Promise((resolve) => (release = () => resolve(anAsset({ id: 'LOT-1', status: 'ON_HOLD' })))),
    );
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const address = t.app.getHttpServer().address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const headers = { 'x-api-key': t.keys['manufacturer-user1'] ?? '', 'content-type': 'application/json' };

    const inFlight = fetch(`${base}/v1/assets/LOT-1/hold`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ reason: 'inspection' }),
    });
    while (t.ledger.callsOf('putOnHold').length === 0)
      await new Promise((resolve) => setTimeout(resolve, 10));
    const closing = t.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(fetch(`${base}/health/live`)).rejects.toThrow(); // no longer listening
    release();

    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ result: { status: 'ON_HOLD' } });
    await closing;
    await expect(
      t.ledger.evaluate({ identity: 'x', transaction: 'getAsset', args: ['LOT-1'] }),
    ).rejects.toMatchObject({ kind: 'unavailable' });
    await expect(t.db.query('SELECT 1')).rejects.toThrow();
  });
});
