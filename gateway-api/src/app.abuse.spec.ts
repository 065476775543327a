import type { AddressInfo } from 'node:net';
import { anAsset, withAssets } from './testing/fake-assets';
import { request, startTestApp, type TestApp, testConfig } from './testing/test-app';
import { EventStoreRepository } from './events/event-store.repository';
import { SqliteDatabase } from './database/sqlite.database';
import { migrate } from './database/migrations';
import { ProjectionRepository } from './read-model/projection.repository';
import { ReadModelService, ReconcileRunningError } from './read-model/read-model.service';
import type { LedgerPort } from './ledger/ledger.port';

const FORGED = `wb_${'0'.repeat(16)}_${'A'.repeat(43)}`;

describe('the front door: keys checked before any work', () => {
  let t: TestApp;
  afterEach(() => t.close());

  it('answers a request without a valid key before reading its body, and closes the connection', async () => {
    t = await startTestApp();
    const missing = await request(t, 'POST', '/v1/assets', { body: { id: 'LOT-1' } });
    expect(missing).toMatchObject({ status: 401, body: { code: 'AUTH_REQUIRED' }, headers: { connection: 'close' } });
    const forged = await request(t, 'POST', '/v1/assets', { key: FORGED, body: 'not even json' });
    // 401, not 400: the body was never parsed.
    expect(forged).toMatchObject({ status: 401, body: { code: 'API_KEY_INVALID' } });
    expect(t.ledger.calls).toEqual([]);
  });

  it('limits requests without a valid key per address (429), and valid keys go on', async () => {
    t = await startTestApp({
      config: testConfig({ rateLimit: { ...testConfig().rateLimit, anonymousPerSecond: 1, anonymousBurst: 3 } }),
    });
    withAssets(t.ledger, new Map([['LOT-1', anAsset({ id: 'LOT-1' })]]));
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await request(t, 'GET', '/v1/assets/LOT-1', { key: FORGED })).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429]);
    const limited = await request(t, 'GET', '/v1/assets/LOT-1');
    expect(limited).toMatchObject({ status: 429, body: { code: 'RATE_LIMITED' }, headers: { 'retry-after': '1' } });
    expect((await request(t, 'GET', '/v1/assets/LOT-1', { key: t.keys['manufacturer-user1'] })).status).toBe(200);
    // Public endpoints are not behind the front door.
    expect((await request(t, 'GET', '/health/live')).status).toBe(200);
  });

  it('limits an identity over all its keys, and the organisation over all identities', async () => {
    t = await startTestApp({
      config: testConfig({
        rateLimit: {
          ...testConfig().rateLimit,
          perSecond: 1,
          burst: 100,
          identityPerSecond: 1,
          identityBurst: 3,
          organizationPerSecond: 1,
          organizationBurst: 5,
        },
      }),
    });
    withAssets(t.ledger, new Map([['LOT-1', anAsset({ id: 'LOT-1' })]]));
    const second = (await t.outsideKeys.create({ name: 'second', identityId: 'manufacturer-user1' })).key;
    const get = async (key: string | undefined) => (await request(t, 'GET', '/v1/assets/LOT-1', { key })).status;
    const user1 = t.keys['manufacturer-user1'];
    expect([await get(user1), await get(user1), await get(second), await get(second)]).toEqual([200, 200, 200, 429]);
    const auditor = t.keys['manufacturer-auditor'];
    expect([await get(auditor), await get(auditor), await get(auditor)]).toEqual([200, 200, 429]);
  });
});

describe('keys an admin may hand out', () => {
  it('creates keys of non-admin identities only; admin keys come from the admin command', async () => {
    const t = await startTestApp();
    try {
      const admin = t.keys['manufacturer-admin'];
      const create = (identityId: string) =>
        request(t, 'POST', '/v1/admin/api-keys', { key: admin, body: { name: 'k', identityId } });
      expect((await create('manufacturer-auditor')).status).toBe(201);
      expect(await create('manufacturer-admin')).toMatchObject({ status: 403, body: { code: 'IDENTITY_NOT_GRANTABLE' } });
      // Rotation: a new key at once, the old one until its grace ends (0: now).
      const first = await request(t, 'POST', '/v1/admin/api-keys', {
        key: admin,
        body: { name: 'erp', identityId: 'manufacturer-user1', expiresAt: '2099-01-01T00:00:00Z' },
      });
      expect(first.body).toMatchObject({ apiKey: { expiresAt: '2099-01-01T00:00:00.000Z' } });
      const old = first.body.key as string;
      const oldId = (first.body.apiKey as { keyId: string }).keyId;
      const rotated = await request(t, 'POST', `/v1/admin/api-keys/${oldId}/rotate`, { key: admin, body: { graceSeconds: 0 } });
      expect(rotated).toMatchObject({ status: 201, body: { apiKey: { name: 'erp', identityId: 'manufacturer-user1' } } });
      expect(await request(t, 'GET', '/v1/admin/api-keys', { key: old })).toMatchObject({ status: 401, body: { code: 'API_KEY_EXPIRED' } });
      withAssets(t.ledger, new Map([['LOT-1', anAsset({ id: 'LOT-1' })]]));
      expect((await request(t, 'GET', '/v1/assets/LOT-1', { key: rotated.body.key as string })).status).toBe(200);
      expect(
        (await request(t, 'POST', '/v1/admin/api-keys', { key: admin, body: { name: 'x', identityId: 'manufacturer-user1', expiresAt: '2001-01-01T00:00:00Z' } })).status,
      ).toBe(400);
      // The admin command (no granting key) still may.
      await expect(t.outsideKeys.create({ name: 'ops', identityId: 'manufacturer-admin' })).resolves.toMatchObject({ created: true });
    } finally {
      await t.close();
    }
  });
});

describe('405 for undeclared methods', () => {
  it('answers 405 problem+json with Allow, and 404 where no method is served', async () => {
    const t = await startTestApp();
    try {
      const put = await request(t, 'PUT', '/v1/assets/LOT-1', { key: t.keys['manufacturer-user1'], body: {} });
      expect(put).toMatchObject({ status: 405, body: { code: 'METHOD_NOT_ALLOWED', status: 405 } });
      expect(String(put.headers['content-type'])).toContain('application/problem+json');
      expect(String(put.headers.allow).split(', ')).toEqual(expect.arrayContaining(['GET']));
      const del = await request(t, 'DELETE', '/v1/assets');
      expect(del.status).toBe(405);
      expect(String(del.headers.allow).split(', ')).toEqual(expect.arrayContaining(['GET', 'POST']));
      expect((await request(t, 'PATCH', '/v1/nothing')).body).toMatchObject({ code: 'ROUTE_NOT_FOUND' });
    } finally {
      await t.close();
    }
  });
});

describe('event stream caps', () => {
  let t: TestApp;
  afterEach(() => t.close());

  async function open(key: string | undefined, path = '/v1/events') {
    const port = (t.app.getHttpServer().address() as AddressInfo).port;
    const controller = new AbortController();
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      headers: key ? { 'x-api-key': key } : {},
      signal: controller.signal,
    });
    return { res, close: () => controller.abort() };
  }

  it('refuses a key over its streams (429) and the process over its own (503); closing gives places back', async () => {
    t = await startTestApp({
      config: testConfig({ events: { ...testConfig().events, streams: { maxPerKey: 2, maxPerProcess: 3, maxLifeMs: 60_000 } } }),
    });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const user = t.keys['manufacturer-user1'];
    const a = await open(user);
    const b = await open(user);
    expect([a.res.status, b.res.status]).toEqual([200, 200]);
    const third = await open(user);
    expect(third.res.status).toBe(429);
    expect(await third.res.json()).toMatchObject({ code: 'TOO_MANY_STREAMS', retryable: true });
    const c = await open(t.keys['manufacturer-auditor']);
    expect(c.res.status).toBe(200);
    const full = await open(t.keys['manufacturer-admin']);
    expect(full.res.status).toBe(503);
    expect(await full.res.json()).toMatchObject({ code: 'STREAMS_EXHAUSTED' });
    a.close();
    let again = { res: { status: 0 } as Response, close: () => undefined as void };
    for (let i = 0; i < 50 && again.res.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 20));
      again = await open(t.keys['manufacturer-admin']);
    }
    expect(again.res.status).toBe(200);
    for (const s of [b, c, again]) s.close();
  });

  it('ends a stream at its maximum life', async () => {
    t = await startTestApp({
      config: testConfig({ events: { ...testConfig().events, streams: { maxPerKey: 2, maxPerProcess: 3, maxLifeMs: 300 } } }),
    });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const started = Date.now();
    const { res } = await open(t.keys['manufacturer-user1']);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('retry: ');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('webhook destinations and the subscription cap', () => {
  it('refuses non-public destinations (400) unless allowed, and more subscriptions than the cap (409)', async () => {
    const t = await startTestApp({
      config: testConfig({ events: { ...testConfig().events, webhooks: { ...testConfig().events.webhooks, maxSubscriptions: 2 } } }),
    });
    try {
      const admin = t.keys['manufacturer-admin'];
      const create = (url: string) => request(t, 'POST', '/v1/webhooks', { key: admin, body: { url } });
      for (const url of [
        'http://127.0.0.2/x',
        'http://[::1]/x',
        'http://10.0.0.1/x',
        'http://169.254.169.254/latest',
        'http://[::ffff:10.0.0.1]/x',
        'http://db.internal.example/x',
        'http://does-not-resolve.test/x',
      ]) {
        const res = await create(url);
        expect(res).toMatchObject({ status: 400, body: { code: 'WEBHOOK_DESTINATION_FORBIDDEN', errors: [{ field: 'url' }] } });
      }
      // testConfig allows 127.0.0.1/32; *.example resolves to a public address in tests.
      expect((await create('http://127.0.0.1:9/x')).status).toBe(201);
      expect((await create('https://receiver.example/x')).status).toBe(201);
      expect((await create('https://other.example/x')).body).toMatchObject({ code: 'WEBHOOK_LIMIT_REACHED', status: 409 });
    } finally {
      await t.close();
    }
  });
});

describe('reconciliation', () => {
  it('runs one at a time, and compares page by page', async () => {
    const db = new SqliteDatabase(':memory:');
    await migrate(db);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const pages: string[] = [];
    const ledger = {
      evaluate: async (call: { args: readonly string[] }) => {
        pages.push(call.args[0] ?? '');
        await gate;
        return new TextEncoder().encode(JSON.stringify({ records: [], bookmark: '' }));
      },
      chainHeight: () => Promise.resolve(1n),
    } as unknown as LedgerPort;
    const service = new ReadModelService(ledger, new EventStoreRepository(db), new ProjectionRepository(db), 'auditor');
    const first = service.reconcile();
    expect(service.reconciling).toBe(true);
    await expect(service.reconcile()).rejects.toBeInstanceOf(ReconcileRunningError);
    release();
    await expect(first).resolves.toMatchObject({ ledgerAssets: 0, readModelAssets: 0, differences: [] });
    expect(service.reconciling).toBe(false);
    await expect(service.reconcile()).resolves.toMatchObject({ differences: [] });
    expect(pages.length).toBeGreaterThan(1);
    await db.close();
  });
});

describe('the OpenAPI document states what the server enforces', () => {
  it('closes request bodies, types integers, and constrains the headers it checks', async () => {
    const t = await startTestApp();
    try {
      const doc = (await request(t, 'GET', '/docs/openapi.json')).body as {
        paths: Record<string, Record<string, { parameters?: { name: string; required?: boolean; schema?: Record<string, unknown> }[]; responses: Record<string, unknown> }>>;
        components: { schemas: Record<string, { additionalProperties?: unknown; properties?: Record<string, Record<string, unknown>> }> };
      };
      const schemas = doc.components.schemas;
      expect(schemas.CreateAssetDto?.additionalProperties).toBe(false);
      expect(schemas.CreateWebhookDto?.properties?.maxAttempts).toMatchObject({ type: 'integer', minimum: 1, maximum: 50 });
      // Response schemas stay open.
      expect(schemas.WebhookView?.additionalProperties).toBeUndefined();
      const hold = doc.paths['/v1/assets/{assetId}/hold']?.post;
      expect(hold?.parameters?.find((p) => p.name === 'Idempotency-Key')?.schema).toMatchObject({ maxLength: 255 });
      const record = doc.paths['/v1/personal-data/records/{ref}']?.get;
      expect(record?.parameters?.find((p) => p.name === 'X-Purpose')).toMatchObject({ required: true, schema: { pattern: expect.any(String) as unknown } });
      expect(Object.keys(doc.paths['/v1/admin/api-keys/{keyId}/rotate']?.post?.responses ?? {})).toContain('201');
      expect(Object.keys(doc.paths['/v1/webhooks/{webhookId}']?.delete?.responses ?? {})).toEqual(expect.arrayContaining(['204', '403', '404']));
    } finally {
      await t.close();
    }
  });
});
