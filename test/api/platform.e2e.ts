import { execFile } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { assetBody, call, committed, expectProblem, orgApi } from '../support/api';
import { env, gatewayEnv, uniqueId } from '../support/fabric';

// API keys, probes, metrics and the OpenAPI document of the running gateways.

const run = promisify(execFile);

interface CreatedKey {
  key: string;
  apiKey: { keyId: string; identityId: string; role: string; revokedAt: string | null };
}

/** The gateway admin command, configured like `stack up` configures the organisation's gateway. */
async function adminCli(org: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    [path.join(env.root, 'gateway-api', 'dist', 'admin.js'), 'keys', ...args, '--json'],
    {
      env: gatewayEnv(org),
      timeout: 60_000,
    },
  );
  return stdout;
}

async function raw(org: string, urlPath: string): Promise<Response> {
  return fetch(`${orgApi(org).url}${urlPath}`);
}

describe('partner API platform on the real network', () => {
  let lot: string;

  beforeAll(async () => {
    lot = uniqueId('plat');
    committed(
      await call('manufacturer', 'POST', '/v1/assets', { as: 'manufacturer-user1', body: assetBody(lot) }),
      201,
    );
  });

  it('a key created over HTTP by an admin works until it is revoked, then 401 at once', async () => {
    const created = await call<CreatedKey>('retailer', 'POST', '/v1/admin/api-keys', {
      as: 'retailer-admin1',
      body: { name: 'e2e-erp', identityId: 'retailer-user1' },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    const { key, apiKey } = created.body;
    expect(apiKey).toMatchObject({ identityId: 'retailer-user1', role: 'retailer', revokedAt: null });
    expect(key).toMatch(new RegExp(`^wb_${apiKey.keyId}_[A-Za-z0-9_-]{43}$`));

    expect((await call('retailer', 'GET', `/v1/assets/${lot}`, { apiKey: key })).status).toBe(200);
    const listed = await call<{ items: { keyId: string }[] }>('retailer', 'GET', '/v1/admin/api-keys', {
      as: 'retailer-admin1',
    });
    expect(listed.body.items.map((k) => k.keyId)).toContain(apiKey.keyId);
    expect(JSON.stringify(listed.body)).not.toContain(key);

    const revoked = await call('retailer', 'POST', `/v1/admin/api-keys/${apiKey.keyId}/revoke`, {
      as: 'retailer-admin1',
    });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ keyId: apiKey.keyId, revokedAt: expect.any(String) as unknown });
    expectProblem(
      await call('retailer', 'GET', `/v1/assets/${lot}`, { apiKey: key }),
      401,
      'API_KEY_REVOKED',
    );
    // The key of the same identity that stack up created is untouched.
    expect((await call('retailer', 'GET', `/v1/assets/${lot}`, { as: 'retailer-user1' })).status).toBe(200);
  });

  it('a key revoked with the admin CLI (another process) stops working on the running gateway', async () => {
    const created = JSON.parse(
      await adminCli('carrier', 'create', '--identity', 'carrier-user1', '--name', uniqueId('cli')),
    ) as CreatedKey;
    // A key created elsewhere works immediately.
    expect((await call('carrier', 'GET', `/v1/assets/${lot}`, { apiKey: created.key })).status).toBe(200);
    const revoked = JSON.parse(await adminCli('carrier', 'revoke', created.apiKey.keyId)) as {
      revokedAt: string;
    };
    expect(revoked.revokedAt).toEqual(expect.any(String));
    // The gateway refreshes its key cache every WAYBILL_AUTH_REFRESH_MS (1 s by default).
    const deadline = Date.now() + 10_000;
    let status = 200;
    while (status === 200 && Date.now() < deadline) {
      status = (await call('carrier', 'GET', `/v1/assets/${lot}`, { apiKey: created.key })).status;
      if (status === 200) await sleep(200);
    }
    expectProblem(
      await call('carrier', 'GET', `/v1/assets/${lot}`, { apiKey: created.key }),
      401,
      'API_KEY_REVOKED',
    );
  });

  it('/health/live and /health/ready answer without a key; ready checks the ledger and database', async () => {
    for (const org of ['manufacturer', 'carrier', 'retailer']) {
      const live = await raw(org, '/health/live');
      expect(live.status).toBe(200);
      expect(await live.json()).toEqual({ status: 'pass' });
      const ready = await raw(org, '/health/ready');
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({
        status: 'pass',
        checks: { ledger: 'pass', database: 'pass', shuttingDown: false },
      });
    }
  });

  it('/metrics serves Prometheus text with request, ledger-call, retry and error metrics', async () => {
    // One read and one refused read, so that both outcomes are counted.
    await call('manufacturer', 'GET', `/v1/assets/${lot}`, { as: 'manufacturer-user1' });
    await call('manufacturer', 'GET', `/v1/assets/${uniqueId('missing')}`, { as: 'manufacturer-user1' });
    const res = await raw('manufacturer', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toMatch(/^# TYPE waybill_http_requests_total counter$/m);
    expect(text).toMatch(
      /^waybill_http_requests_total\{method="GET",route="\/v1\/assets\/:assetId",status="200"\} \d+$/m,
    );
    expect(text).toMatch(
      /^waybill_http_requests_total\{method="GET",route="\/v1\/assets\/:assetId",status="404"\} \d+$/m,
    );
    expect(text).toMatch(
      /^waybill_http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/v1\/assets\/:assetId",status="200"\} \d+$/m,
    );
    expect(text).toMatch(
      /^waybill_ledger_call_duration_seconds_count\{kind="evaluate",transaction="getAsset",outcome="ok"\} \d+$/m,
    );
    expect(text).toMatch(
      /^waybill_ledger_call_duration_seconds_count\{kind="evaluate",transaction="getAsset",outcome="chaincode"\} \d+$/m,
    );
    expect(text).toMatch(
      /^waybill_ledger_call_duration_seconds_count\{kind="submit",transaction="createAsset",outcome="ok"\} \d+$/m,
    );
    expect(text).toMatch(/^waybill_errors_total\{code="ASSET_NOT_FOUND"\} \d+$/m);
    expect(text).toMatch(/^# TYPE waybill_ledger_retries_total counter$/m);
    expect(text).toMatch(/^waybill_process_cpu_seconds_total \d/m);
    // No key, no identity, no asset id in a label: route patterns only.
    expect(text).not.toContain(lot);
    expect(text).not.toMatch(/wb_[0-9a-f]{16}/);
  });

  it('/docs/openapi.json describes the API; /docs serves the UI', async () => {
    const res = await raw('carrier', '/docs/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { operationId?: string }>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(doc.paths['/v1/assets']?.['post']?.operationId).toBe('createAsset');
    expect(doc.paths['/v1/assets/{assetId}/sale/terms']?.['post']?.operationId).toBe('agreeSaleTerms');
    expect(doc.paths['/v1/transactions/{txId}']?.['get']).toBeDefined();
    expect(Object.keys(doc.components.securitySchemes).length).toBeGreaterThan(0);
    const ui = await raw('carrier', '/docs');
    expect(ui.status).toBe(200);
    expect(ui.headers.get('content-type')).toMatch(/text\/html/);
  });
});
