import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assetBody, call, type ApiResponse } from '../support/api';
import { env, gatewayEnv, uniqueId } from '../support/fabric';

// The Fabric 2.2 SDK adapter (what AWS Managed Blockchain peers need: they have no Gateway
// service) behind the same API: a second Manufacturer gateway on the shared e2e network runs with
// WAYBILL_LEDGER_ADAPTER=fabric-network (its own port and database, the same organisation's keys)
// and answers exactly what the stack's Gateway-service gateway answers. The whole API suite also
// passes on it: see docs/api.md.

const GATEWAY = path.join(env.root, 'gateway-api', 'dist');
const PORT = Number(env.basePort) + 1095;

/** What must be equal between the adapters: everything but per-request values. */
function comparable(res: ApiResponse): unknown {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.entries(v)
          .filter(
            ([k]) =>
              !['correlationId', 'txId', 'blockNumber', 'updatedTxId', 'createdTxId', 'timestamp'].includes(
                k,
              ),
          )
          .map(([k, x]) => [k, strip(x)]),
      );
    }
    return v;
  };
  return { status: res.status, type: res.headers.get('content-type'), body: strip(res.body) };
}

describe('the fabric-network (Fabric 2.2 SDK) adapter behind the partner API', () => {
  let child: ChildProcess;
  let dir: string;
  let key: string;
  let adminKey: string;
  const url = `http://127.0.0.1:${PORT}`;
  const viaSdk22 = async (method: string, urlPath: string, body?: unknown): Promise<ApiResponse> => {
    const res = await fetch(`${url}${urlPath}`, {
      method,
      headers: {
        'x-api-key': urlPath.startsWith('/v1/admin/') ? adminKey : key,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      body: (res.headers.get('content-type') ?? '').includes('json') && text ? JSON.parse(text) : text,
    };
  };
  const viaGateway = (method: string, urlPath: string, body?: unknown): Promise<ApiResponse> =>
    call('manufacturer', method, urlPath, {
      as: 'manufacturer-user1',
      ...(body === undefined ? {} : { body }),
    });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'waybill-fabric-network-'));
    const childEnv: NodeJS.ProcessEnv = {
      ...gatewayEnv('manufacturer'),
      PORT: String(PORT),
      DATABASE_URL: path.join(dir, 'gateway.sqlite'),
      WAYBILL_LEDGER_ADAPTER: 'fabric-network',
    };
    const createKey = (identity: string) =>
      (
        JSON.parse(
          execFileSync(
            process.execPath,
            [
              path.join(GATEWAY, 'admin.js'),
              'keys',
              'create',
              '--identity',
              identity,
              '--name',
              `fabric-network-e2e-${identity}`,
              '--json',
            ],
            { env: childEnv, encoding: 'utf8', timeout: 60_000 },
          ),
        ) as { key: string }
      ).key;
    key = createKey('manufacturer-user1');
    adminKey = createKey('manufacturer-admin1');
    const log = openSync(path.join(dir, 'gateway.log'), 'w');
    child = spawn(process.execPath, [path.join(GATEWAY, 'main.js')], {
      env: childEnv,
      stdio: ['ignore', log, log],
    });
    const deadline = Date.now() + 90_000;
    for (;;) {
      const ready = await fetch(`${url}/health/ready`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ready) break;
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`the fabric-network gateway did not get ready; see ${dir}/gateway.log`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs on the fabric-network adapter and is ready (its readiness probe evaluates through it)', async () => {
    expect(readFileSync(path.join(dir, 'gateway.log'), 'utf8')).toMatch(
      /"msg":"listening".*"ledger":"fabric-network"/,
    );
    expect((await viaSdk22('GET', '/health/ready')).body).toMatchObject({ checks: { ledger: 'pass' } });
  });

  it('writes through the 2.2 SDK (endorsed by discovery, ordered, committed) and reads the same as the Gateway adapter', async () => {
    const id = uniqueId('fn');
    const created = await viaSdk22('POST', '/v1/assets', assetBody(id));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      txId: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown,
      blockNumber: expect.any(Number) as unknown,
    });
    const [a, b] = await Promise.all([
      viaSdk22('GET', `/v1/assets/${id}`),
      viaGateway('GET', `/v1/assets/${id}`),
    ]);
    expect(a.status).toBe(200);
    expect(a.body).toEqual(b.body);
    const txId = (created.body as { txId: string }).txId;
    const [ta, tb] = await Promise.all([
      viaSdk22('GET', `/v1/transactions/${txId}`),
      viaGateway('GET', `/v1/transactions/${txId}`),
    ]);
    expect(ta.status).toBe(200);
    expect(ta.body).toEqual(tb.body);
  });

  it('answers every error with the same status and problem as the Gateway adapter', async () => {
    const id = uniqueId('fn-err');
    expect((await viaGateway('POST', '/v1/assets', assetBody(id))).status).toBe(201);
    const cases: [string, string, unknown?][] = [
      ['GET', `/v1/assets/${uniqueId('missing')}-x`],
      ['POST', '/v1/assets', assetBody(id)],
      ['POST', '/v1/assets', assetBody(uniqueId('bad'), { product: { sku: 'S', description: 'call jane.doe@example.com' } })],
      ['POST', `/v1/assets/${id}/hold/release`],
      ['POST', '/v1/assets', { ...assetBody(uniqueId('bad')), colour: 'red' }],
      ['GET', `/v1/transactions/${'0'.repeat(64)}`],
    ];
    for (const [method, urlPath, body] of cases) {
      const [a, b] = await Promise.all([viaSdk22(method, urlPath, body), viaGateway(method, urlPath, body)]);
      expect({ call: `${method} ${urlPath}`, ...(comparable(a) as object) }).toEqual({
        call: `${method} ${urlPath}`,
        ...(comparable(b) as object),
      });
      expect(a.status).toBeGreaterThanOrEqual(400);
    }
  });

  it('reports the same peers, heights and orderers to the operator as the Gateway adapter', async () => {
    const [a, b] = await Promise.all([
      viaSdk22('GET', '/v1/admin/network'),
      call('manufacturer', 'GET', '/v1/admin/network', { as: 'manufacturer-admin1' }),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    type View = {
      adapter: string;
      height: number;
      peers: { height: number }[];
      ordering: { orderers: unknown[] };
    };
    const [sdk, gw] = [a.body as View, b.body as View];
    expect([sdk.adapter, gw.adapter]).toEqual(['fabric-network', 'fabric-gateway']);
    // Heights are read one after the other: a block may commit in between.
    expect(Math.abs(sdk.height - gw.height)).toBeLessThanOrEqual(2);
    const same = (v: View) => ({
      ...v,
      adapter: undefined,
      height: undefined,
      peers: v.peers.map((p) => ({ ...p, height: typeof p.height })),
    });
    expect(same(sdk)).toEqual(same(gw));
    expect(gw).toMatchObject({
      peers: [{ name: 'peer0.manufacturer', reachable: true, height: gw.height, problem: null }],
      ordering: { consensusType: 'etcdraft' },
    });
    expect(gw.ordering.orderers).toHaveLength(3);
  });

  it('reads chaincode events into its own event store and read model', async () => {
    const id = uniqueId('fn-ev');
    // The read model searches SKU and description.
    const body = assetBody(id, { product: { sku: 'SKU-FN-E2E', description: `read by the 2.2 SDK ${id}` } });
    expect((await viaGateway('POST', '/v1/assets', body)).status).toBe(201);
    const deadline = Date.now() + 30_000;
    let found: ApiResponse | undefined;
    while (Date.now() < deadline) {
      found = await viaSdk22('GET', `/v1/assets?q=${encodeURIComponent(id)}`);
      if (JSON.stringify(found.body).includes(id)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(JSON.stringify(found?.body)).toContain(id);
  });
});
