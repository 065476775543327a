import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { call } from '../support/api';
import { env, gatewayEnv, sampleAssetInput, uniqueId, waybill } from '../support/fabric';
import { MSP } from '../support/orgs';
import { rawClient } from '../support/raw-client';
import { openSse } from '../support/sse';
import { WebhookReceiver } from '../support/webhook-receiver';

const run = promisify(execFile);

/** Waits until `check` holds, polling; fails with `what` after `ms`. */
async function until(what: string, check: () => Promise<boolean> | boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const ADMIN = {
  manufacturer: 'manufacturer-admin1',
  carrier: 'carrier-admin1',
  retailer: 'retailer-admin1',
} as const;

interface Subscribed {
  readonly subscription: { id: string };
  readonly secret: string;
}

async function subscribe(
  receiver: WebhookReceiver,
  hookPath: string,
  body: Record<string, unknown> = {},
): Promise<Subscribed> {
  const r = await call<Subscribed>('manufacturer', 'POST', '/v1/webhooks', {
    as: ADMIN.manufacturer,
    body: { url: receiver.url(hookPath), ...body },
  });
  expect(r.status).toBe(201);
  receiver.secret(hookPath, r.body.secret);
  return r.body;
}

async function ok<T = unknown>(
  org: string,
  method: string,
  urlPath: string,
  as: string,
  body?: unknown,
): Promise<T> {
  const r = await call<T>(org, method, urlPath, { as, ...(body === undefined ? {} : { body }) });
  if (r.status >= 300)
    throw new Error(`${method} ${urlPath} as ${as} on ${org}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

describe('events, webhooks and read model on the real network', () => {
  const receiver = new WebhookReceiver();
  const subscriptions: string[] = [];
  let all: Subscribed;
  const journeyId = uniqueId('journey');
  const description = `Journey beans ${journeyId}`;

  beforeAll(async () => {
    await receiver.start();
    all = await subscribe(receiver, '/all');
    subscriptions.push(all.subscription.id);
  });

  afterAll(async () => {
    for (const id of subscriptions)
      await call('manufacturer', 'DELETE', `/v1/webhooks/${id}`, { as: ADMIN.manufacturer });
    await receiver.stop();
  });

  it('delivers a full journey on the SSE stream and to the webhook, in order and signed', async () => {
    const sse = await openSse('manufacturer', `/v1/events?asset=${journeyId}`, 'manufacturer-user1');
    expect(sse.status).toBe(200);
    const a = `/v1/assets/${journeyId}`;
    const terms = { price: '1250.00', currency: 'EUR', incoterms: 'DAP', nonce: 'a1'.repeat(16) };
    await ok('manufacturer', 'POST', '/v1/assets', 'manufacturer-user1', {
      id: journeyId,
      product: { sku: 'SKU-JOURNEY', description },
      quantity: { amount: 40, unit: 'bag' },
      origin: { site: 'Finca Uno', country: 'CO' },
    });
    await ok('manufacturer', 'POST', `${a}/handover`, 'manufacturer-user1', { toOrg: MSP.C });
    await ok('carrier', 'POST', `${a}/handover/accept`, 'carrier-user1');
    await ok('carrier', 'POST', `${a}/handover`, 'carrier-user1', { toOrg: MSP.R });
    await ok('retailer', 'POST', `${a}/handover/accept`, 'retailer-user1');
    await ok('manufacturer', 'POST', `${a}/sale`, 'manufacturer-user1', { buyerOrg: MSP.R });
    await ok('manufacturer', 'POST', `${a}/sale/terms`, 'manufacturer-user1', terms);
    await ok('retailer', 'POST', `${a}/sale/terms`, 'retailer-user1', terms);
    await ok('retailer', 'POST', `${a}/sale/accept`, 'retailer-user1');
    await ok('retailer', 'POST', `${a}/sold`, 'retailer-user1');
    const expected = [
      'AssetCreated',
      'HandoverProposed',
      'HandoverAccepted',
      'HandoverProposed',
      'HandoverAccepted',
      'SaleProposed',
      'TermsAgreed',
      'TermsAgreed',
      'TitleTransferred',
      'StatusChanged',
    ];

    const streamed = await sse.waitFor(expected.length);
    sse.close();
    expect(streamed.map((e) => e.event)).toEqual(expected);
    expect(
      streamed.every((e) => e.id === `${e.data.txId}:${e.data.name}` && e.data.assetIds[0] === journeyId),
    ).toBe(true);
    const blocks = streamed.map((e) => e.data.blockNumber);
    expect([...blocks].sort((x, y) => x - y)).toEqual(blocks);

    const journeyHooks = () => receiver.accepted('/all').filter((r) => r.event.assetIds.includes(journeyId));
    await until('the journey at the webhook receiver', () => journeyHooks().length >= expected.length);
    const hooks = journeyHooks();
    expect(hooks.map((h) => h.event.name)).toEqual(expected);
    expect(hooks.map((h) => h.eventId)).toEqual(streamed.map((e) => e.id));
    expect(hooks.every((h) => h.signatureValid)).toBe(true);
    // No personal data: payloads name organisations and roles, never people.
    expect(JSON.stringify(hooks.map((h) => h.event.payload))).not.toMatch(/user1|admin1/);
  });

  it('loses nothing when the gateway is SIGKILLed while transactions keep committing', async () => {
    const pidFile = path.join(env.dir, 'run', 'api.manufacturer.pid');
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    expect(pid).toBeGreaterThan(0);
    const lastBefore = receiver.accepted('/all').at(-1)?.eventId;
    expect(lastBefore).toBeDefined();

    // Before the kill: an asset whose events straddle the outage.
    const straddle = uniqueId('straddle');
    await ok('manufacturer', 'POST', '/v1/assets', 'manufacturer-user1', {
      id: straddle,
      product: { sku: 'SKU-OUTAGE', description: 'Outage lot' },
      quantity: { amount: 1, unit: 'case' },
      origin: { site: 'Plant 7', country: 'IT' },
    });
    await ok('manufacturer', 'POST', `/v1/assets/${straddle}/handover`, 'manufacturer-user1', {
      toOrg: MSP.C,
    });
    process.kill(pid, 'SIGKILL');

    // While it is down: the carrier's gateway and a raw Fabric client keep committing.
    const expectedIds: string[] = [];
    const accept = await ok<{ txId: string }>(
      'carrier',
      'POST',
      `/v1/assets/${straddle}/handover/accept`,
      'carrier-user1',
    );
    expectedIds.push(`${accept.txId}:HandoverAccepted`);
    const raw = await rawClient('Manufacturer', 'manufacturer-user1');
    const created: string[] = [];
    try {
      for (let i = 0; i < 6; i++) {
        const id = uniqueId(`outage-${i}`);
        const txId = await raw.submit('createAsset', [sampleAssetInput(id)]);
        expectedIds.push(`${txId}:AssetCreated`);
        created.push(id);
      }
    } finally {
      raw.close();
    }

    // Restart: `stack up` is idempotent and starts what is not running (with the run's chaincode
    // mode: another one would be a new package and a new sequence).
    await waybill(['stack', 'up', ...env.chaincodeArgs]);
    const newPid = Number(readFileSync(pidFile, 'utf8').trim());
    expect(newPid).not.toBe(pid);

    await until(
      'every event of the outage at the receiver',
      () => {
        const ids = new Set(receiver.accepted('/all').map((r) => r.eventId));
        return expectedIds.every((id) => ids.has(id));
      },
      90_000,
    );
    const accepted = receiver.accepted('/all');
    const unique = [...new Set(accepted.map((r) => r.eventId))];
    // Exactly once after de-duplication by ID; none missing.
    expect(expectedIds.filter((id) => !unique.includes(id))).toEqual([]);
    expect(unique.length).toBe(new Set(unique).size);
    // In order per asset: the straddling asset's events arrive in ledger order.
    const straddleNames = [
      ...new Map(
        accepted.filter((r) => r.event.assetIds[0] === straddle).map((r) => [r.eventId, r.event.name]),
      ).values(),
    ];
    expect(straddleNames).toEqual(['AssetCreated', 'HandoverProposed', 'HandoverAccepted']);
    expect(accepted.every((r) => r.signatureValid)).toBe(true);

    // The restarted gateway resumes an SSE client from its Last-Event-ID.
    const resumed = await openSse('manufacturer', '/v1/events?name=AssetCreated', 'manufacturer-user1', {
      'last-event-id': expectedIds[1] ?? '',
    });
    const next = await resumed.waitFor(5);
    resumed.close();
    expect(next.map((e) => e.id)).toEqual(expectedIds.slice(2));
  }, 300_000);

  it('gets an event to a receiver that fails five times, then recovers', async () => {
    receiver.behave('/flaky', (i) => (i < 5 ? 500 : 200));
    const flakyId = uniqueId('flaky');
    const flaky = await subscribe(receiver, '/flaky', { events: ['AssetCreated'], assetId: flakyId });
    subscriptions.push(flaky.subscription.id);
    await ok('manufacturer', 'POST', '/v1/assets', 'manufacturer-user1', {
      id: flakyId,
      product: { sku: 'SKU-FLAKY', description: 'Flaky receiver lot' },
      quantity: { amount: 1, unit: 'case' },
      origin: { site: 'Plant 7', country: 'IT' },
    });
    await until('the flaky receiver to accept', () => receiver.accepted('/flaky').length === 1, 90_000);
    const tries = receiver.received.filter((r) => r.path === '/flaky');
    expect(tries.map((r) => r.status)).toEqual([500, 500, 500, 500, 500, 200]);
    expect(new Set(tries.map((r) => r.eventId)).size).toBe(1);
    expect(tries.every((r) => r.signatureValid)).toBe(true);
    const log = await ok<{
      items: { state: string; attempts: number; attemptLog: { statusCode: number }[] }[];
    }>('manufacturer', 'GET', `/v1/webhooks/${flaky.subscription.id}/deliveries`, ADMIN.manufacturer);
    expect(log.items).toEqual([expect.objectContaining({ state: 'delivered', attempts: 6 })]);
    expect(log.items[0]?.attemptLog.map((t) => t.statusCode)).toEqual([500, 500, 500, 500, 500, 200]);
  }, 120_000);

  it('dead-letters what a dead receiver cannot take, and redelivers it', async () => {
    let alive = false;
    receiver.behave('/dead', () => (alive ? 200 : 503));
    const deadId = uniqueId('dead');
    const dead = await subscribe(receiver, '/dead', { assetId: deadId, maxAttempts: 3 });
    subscriptions.push(dead.subscription.id);
    await ok('manufacturer', 'POST', '/v1/assets', 'manufacturer-user1', {
      id: deadId,
      product: { sku: 'SKU-DEAD', description: 'Dead receiver lot' },
      quantity: { amount: 1, unit: 'case' },
      origin: { site: 'Plant 7', country: 'IT' },
    });
    type Letters = {
      items: { id: string; eventId: string; state: string; attempts: number; lastError: string }[];
    };
    let letters: Letters = { items: [] };
    await until('a dead letter', async () => {
      letters = await ok<Letters>(
        'manufacturer',
        'GET',
        `/v1/webhooks/${dead.subscription.id}/dead-letters`,
        ADMIN.manufacturer,
      );
      return letters.items.length === 1;
    });
    expect(letters.items[0]).toMatchObject({ state: 'dead', attempts: 3, lastError: 'http_status', lastStatus: 503 });
    expect(receiver.received.filter((r) => r.path === '/dead').length).toBe(3);

    alive = true;
    const redo = await call(
      'manufacturer',
      'POST',
      `/v1/webhooks/${dead.subscription.id}/deliveries/${letters.items[0]?.id ?? ''}/redeliver`,
      {
        as: ADMIN.manufacturer,
      },
    );
    expect(redo.status).toBe(202);
    await until('the redelivery', () => receiver.accepted('/dead').length === 1);
    expect(receiver.accepted('/dead')[0]).toMatchObject({
      eventId: letters.items[0]?.eventId,
      signatureValid: true,
    });
    const after = await ok<Letters>(
      'manufacturer',
      'GET',
      `/v1/webhooks/${dead.subscription.id}/dead-letters`,
      ADMIN.manufacturer,
    );
    expect(after.items).toEqual([]);
  }, 120_000);

  it('keeps a read model equal to the ledger (reconcile: zero differences) that answers rich queries', async () => {
    for (const org of ['manufacturer', 'carrier', 'retailer'] as const) {
      await until(`${org}'s read model to catch up`, async () => {
        const s = await ok<{ lagBlocks: number | null }>(org, 'GET', '/v1/read-model', `${org}-user1`);
        return s.lagBlocks === 0;
      });
      const report = await ok<{ ledgerAssets: number; readModelAssets: number; differences: unknown[] }>(
        org,
        'GET',
        '/v1/read-model/reconcile',
        ADMIN[org],
      );
      expect(report.differences).toEqual([]);
      expect(report.readModelAssets).toBe(report.ledgerAssets);
      expect(report.ledgerAssets).toBeGreaterThan(0);
    }

    const found = await call<{ items: { id: string; status: string; owner: string }[] }>(
      'retailer',
      'GET',
      `/v1/assets?q=${encodeURIComponent(journeyId.toUpperCase())}&sort=-updatedAt`,
      { as: 'retailer-user1' },
    );
    expect(found.status).toBe(200);
    expect(found.headers.get('x-read-model-lag-blocks')).toMatch(/^\d+$/);
    expect(found.body.items).toEqual([
      expect.objectContaining({ id: journeyId, status: 'SOLD', owner: MSP.R }),
    ]);
    const future = await call<{ items: unknown[] }>(
      'retailer',
      'GET',
      '/v1/assets?createdFrom=2999-01-01T00:00:00Z',
      {
        as: 'retailer-user1',
      },
    );
    expect(future.body.items).toEqual([]);

    // The admin command does the same from outside the gateway, with an exit code.
    const cli = path.join(env.root, 'gateway-api', 'dist', 'admin.js');
    const { stdout } = await run(process.execPath, [cli, 'read-model', 'reconcile'], {
      env: gatewayEnv('manufacturer'),
      timeout: 120_000,
    });
    expect(stdout).toMatch(/ 0 difference\(s\), lag \d+ block\(s\)/);
  }, 180_000);
});
