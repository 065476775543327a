import type { AddressInfo } from 'node:net';
import type { Asset } from '../assets/asset.types';
import { SqliteDatabase } from '../database/sqlite.database';
import type { FakeLedger } from '../ledger/testing/fake-ledger';
import { eventChaincode as chaincode, keepOpen, until } from '../testing/event-chaincode';
import { request, startTestApp, type TestApp, testConfig } from '../testing/test-app';
import { verifySignature } from '../webhooks/signature';
import type { HttpPost } from '../webhooks/webhook-dispatcher';

interface Received {
  readonly headers: Record<string, string>;
  readonly body: string;
}

describe('events, webhooks and read model (fake ledger)', () => {
  let t: TestApp;
  let assets: Map<string, Asset>;
  let received: Received[];
  /** Statuses each receiver URL answers next (shifted per call; 200 when none left). */
  let answers: Map<string, number[]>;
  const post: HttpPost = (url, init) => {
    received.push({ headers: init.headers, body: init.body });
    return Promise.resolve(answers.get(url)?.shift() ?? 200);
  };

  const config = testConfig({
    // X-Min-Block reads wait long enough for the projection on a loaded machine.
    ledger: { minBlockWaitMs: 2_000 },
    events: {
      enabled: true,
      identity: 'manufacturer-auditor',
      startBlock: 0,
      reconnectMaxDelayMs: 200,
      leaderRetryMs: 100,
      streams: testConfig().events.streams,
      webhooks: testConfig().events.webhooks,
      network: 'test',
      sinks: { list: [], maxAttempts: 3, retryBaseDelayMs: 5, retryMaxDelayMs: 20, batchSize: 100 },
      functions: { files: [], apiUrl: undefined },
    },
  });
  const key = (id: string) => t.keys[id] ?? '';
  const create = (id: string, description = 'Arabica coffee') =>
    request(t, 'POST', '/v1/assets', {
      key: key('manufacturer-user1'),
      body: {
        id,
        product: { sku: 'COFFEE-1KG', description },
        quantity: { amount: 1, unit: 'kg' },
        origin: { site: 'S', country: 'CO' },
      },
    });
  const subscribe = async (body: Record<string, unknown>) => {
    const r = await request(t, 'POST', '/v1/webhooks', { key: key('manufacturer-admin'), body });
    expect(r.status).toBe(201);
    return r.body as { subscription: { id: string }; secret: string };
  };

  beforeEach(async () => {
    assets = new Map();
    received = [];
    answers = new Map();
    t = await startTestAppWith(config, chaincode(assets), post);
  });
  afterEach(() => t.close());

  it('delivers signed events in order with their IDs, and keeps the secret out of listings', async () => {
    const { subscription, secret } = await subscribe({ url: 'https://receiver.example/hook' });
    expect(secret).toMatch(/^whsec_/);
    expect((await create('LOT-1')).status).toBe(201);
    expect(
      (
        await request(t, 'POST', '/v1/assets/LOT-1/hold', {
          key: key('manufacturer-user1'),
          body: { reason: 'check' },
        })
      ).status,
    ).toBe(200);
    await until(() => received.length === 2);
    const bodies = received.map(
      (r) => JSON.parse(r.body) as { id: string; name: string; assetIds: string[] },
    );
    expect(bodies.map((b) => [b.name, b.assetIds])).toEqual([
      ['AssetCreated', ['LOT-1']],
      ['StatusChanged', ['LOT-1']],
    ]);
    for (const r of received) {
      expect(verifySignature(secret, r.headers['waybill-signature'], r.body)).toBe('ok');
      expect(r.headers['waybill-event-id']).toBe((JSON.parse(r.body) as { id: string }).id);
    }
    const list = await request(t, 'GET', '/v1/webhooks', { key: key('manufacturer-admin') });
    expect(list.text).not.toContain(secret);
    expect(list.body.items).toEqual([expect.objectContaining({ id: subscription.id, maxAttempts: 3 })]);
    await until(async () => {
      const log = await request(t, 'GET', `/v1/webhooks/${subscription.id}/deliveries`, {
        key: key('manufacturer-admin'),
      });
      return (log.body.items as { state: string }[]).every((d) => d.state === 'delivered');
    });
  });

  it('retries a failing receiver, then dead-letters; redeliver sends it again', async () => {
    answers.set('http://127.0.0.1:9/retried', [500, 503]);
    const retried = await subscribe({ url: 'http://127.0.0.1:9/retried', events: ['AssetCreated'] });
    await create('LOT-2');
    await until(() => received.filter((r) => r.body.includes('LOT-2')).length === 3);
    expect(received.map((r) => r.headers['waybill-delivery-id'])).toEqual(
      Array(3).fill(received[0]?.headers['waybill-delivery-id']),
    );
    await until(async () => {
      const log = await request(t, 'GET', `/v1/webhooks/${retried.subscription.id}/deliveries`, {
        key: key('manufacturer-admin'),
      });
      const [d] = log.body.items as { state: string; attemptLog: unknown[] }[];
      return d?.state === 'delivered' && d.attemptLog.length === 3;
    });

    answers.set('http://127.0.0.1:9/dead', [500, 500]);
    const dead = await subscribe({ url: 'http://127.0.0.1:9/dead', maxAttempts: 2 });
    await create('LOT-3');
    let deadLetters: { id: string; eventId: string; lastError: string }[] = [];
    await until(async () => {
      const r = await request(t, 'GET', `/v1/webhooks/${dead.subscription.id}/dead-letters`, {
        key: key('manufacturer-admin'),
      });
      deadLetters = r.body.items as typeof deadLetters;
      return deadLetters.length === 1;
    });
    expect(deadLetters[0]?.lastError).toBe('http_status');
    const redo = await request(
      t,
      'POST',
      `/v1/webhooks/${dead.subscription.id}/deliveries/${deadLetters[0]?.id ?? ''}/redeliver`,
      { key: key('manufacturer-admin') },
    );
    expect(redo.status).toBe(202);
    await until(async () => {
      const r = await request(t, 'GET', `/v1/webhooks/${dead.subscription.id}/dead-letters`, {
        key: key('manufacturer-admin'),
      });
      return (r.body.items as unknown[]).length === 0;
    });
  });

  it('refuses non-http URLs and unknown event names, and needs the admin role', async () => {
    const bad = await request(t, 'POST', '/v1/webhooks', {
      key: key('manufacturer-admin'),
      body: { url: 'file:///etc/passwd' },
    });
    expect(bad.body).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', errors: [{ field: 'url' }] });
    const names = await request(t, 'POST', '/v1/webhooks', {
      key: key('manufacturer-admin'),
      body: { url: 'https://x.example', events: ['Nope'] },
    });
    expect(names.body).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    const role = await request(t, 'POST', '/v1/webhooks', {
      key: key('manufacturer-user1'),
      body: { url: 'https://x.example' },
    });
    expect(role.body).toMatchObject({ status: 403, code: 'ROLE_FORBIDDEN' });
    const unknownResume = await request(t, 'GET', '/v1/events', {
      key: key('manufacturer-user1'),
      headers: { 'last-event-id': 'nope:AssetCreated' },
    });
    expect(unknownResume.body).toMatchObject({ status: 404, code: 'EVENT_NOT_FOUND' });
  });

  it('streams SSE: replay from block 0, filters, Last-Event-ID resume', async () => {
    await create('LOT-A');
    await create('LOT-B');
    await request(t, 'POST', '/v1/assets/LOT-A/hold', {
      key: key('manufacturer-user1'),
      body: { reason: 'x' },
    });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (t.app.getHttpServer().address() as AddressInfo).port;
    const read = async (path: string, n: number, headers: Record<string, string> = {}) => {
      const controller = new AbortController();
      const res = await fetch(`http://127.0.0.1:${port}${path}`, {
        headers: { 'x-api-key': key('manufacturer-user1'), ...headers },
        signal: controller.signal,
      });
      expect(res.headers.get('content-type')).toContain('text/event-stream');
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      let text = '';
      const frames: { id: string; event: string; data: { assetIds: string[] } }[] = [];
      while (frames.length < n) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
        let cut;
        while ((cut = text.indexOf('\n\n')) >= 0) {
          const frame = text.slice(0, cut);
          text = text.slice(cut + 2);
          const f = Object.fromEntries(
            frame.split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]),
          );
          if (f.id)
            frames.push({
              id: f.id,
              event: f.event ?? '',
              data: JSON.parse(f.data ?? '{}') as { assetIds: string[] },
            });
        }
      }
      controller.abort();
      return frames;
    };
    const all = await read('/v1/events?fromBlock=0', 3);
    expect(all.map((f) => [f.event, f.data.assetIds[0]])).toEqual([
      ['AssetCreated', 'LOT-A'],
      ['AssetCreated', 'LOT-B'],
      ['StatusChanged', 'LOT-A'],
    ]);
    expect(
      (await read('/v1/events?fromBlock=0&asset=LOT-A&name=StatusChanged', 1)).map((f) => f.event),
    ).toEqual(['StatusChanged']);
    const resumed = await read('/v1/events', 2, { 'last-event-id': all[0]?.id ?? '' });
    expect(resumed.map((f) => f.id)).toEqual([all[1]?.id, all[2]?.id]);
  });

  it('X-Min-Block: the read model answers once it holds the block', async () => {
    const created = await create('LOT-M', 'Cocoa nibs');
    expect(created.status).toBe(201);
    const block = Number(created.body.blockNumber);
    // No waiting here: the gateway waits for its projection to pass the block.
    const found = await request(t, 'GET', '/v1/assets?q=cocoa', {
      key: key('manufacturer-user1'),
      headers: { 'x-min-block': String(block) },
    });
    expect(found.status).toBe(200);
    expect((found.body.items as Asset[]).map((a) => a.id)).toEqual(['LOT-M']);
    const status = await request(t, 'GET', '/v1/read-model', { key: key('manufacturer-user1') });
    expect(Number(status.body.projectedBlock)).toBeGreaterThanOrEqual(block);
    // A block beyond the ledger: the gateway answers 503 after its wait.
    const ahead = await request(t, 'GET', '/v1/assets?q=cocoa', {
      key: key('manufacturer-user1'),
      headers: { 'x-min-block': String(t.ledger.height + 3) },
    });
    expect(ahead.status).toBe(503);
    expect(ahead.body).toMatchObject({ code: 'MIN_BLOCK_NOT_REACHED', retryable: true });
  });

  it('answers rich queries from the read model with its lag, and reconciles with zero differences', async () => {
    await create('LOT-X', 'Tomatoes, canned');
    await create('LOT-Y', 'Arabica coffee beans');
    await request(t, 'POST', '/v1/assets/LOT-Y/hold', {
      key: key('manufacturer-user1'),
      body: { reason: 'x' },
    });
    await until(async () => {
      const s = await request(t, 'GET', '/v1/read-model', { key: key('manufacturer-user1') });
      return s.body.lagBlocks === 0;
    });
    const found = await request(t, 'GET', '/v1/assets?q=ARABICA&sort=-createdAt', {
      key: key('manufacturer-user1'),
    });
    expect(found.status).toBe(200);
    expect(found.headers['x-read-model-lag-blocks']).toBe('0');
    expect((found.body.items as Asset[]).map((a) => [a.id, a.status])).toEqual([['LOT-Y', 'ON_HOLD']]);
    const range = await request(t, 'GET', `/v1/assets?createdFrom=2000-01-01T00:00:00Z&sort=id&limit=1`, {
      key: key('manufacturer-user1'),
    });
    expect((range.body.items as Asset[]).map((a) => a.id)).toEqual(['LOT-X']);
    const next = await request(
      t,
      'GET',
      `/v1/assets?createdFrom=2000-01-01T00:00:00Z&sort=id&limit=1&cursor=${String(range.body.nextCursor)}`,
      { key: key('manufacturer-user1') },
    );
    expect((next.body.items as Asset[]).map((a) => a.id)).toEqual(['LOT-Y']);
    // Without any filter the ledger indexes cannot answer: the read model does.
    const all = await request(t, 'GET', '/v1/assets', { key: key('manufacturer-user1') });
    expect(all.headers['x-read-model-lag-blocks']).toBe('0');
    expect((all.body.items as Asset[]).map((a) => a.id)).toEqual(['LOT-X', 'LOT-Y']);
    const report = await request(t, 'GET', '/v1/read-model/reconcile', { key: key('manufacturer-auditor') });
    expect(report.body).toMatchObject({ ledgerAssets: 2, readModelAssets: 2, differences: [] });
    // A change the read model has not seen is reported.
    assets.set('LOT-X', { ...(assets.get('LOT-X') as Asset), custodian: 'CarrierMSP' });
    const drift = await request(t, 'GET', '/v1/read-model/reconcile', { key: key('manufacturer-auditor') });
    expect(drift.body.differences).toEqual([{ assetId: 'LOT-X', kind: 'different', fields: ['custodian'] }]);
  });

  it('resumes from the checkpoint after a restart without storing anything twice', async () => {
    // The gateway closes its ledger and database on shutdown; these outlive both instances.
    const db = keepOpen(new SqliteDatabase(':memory:'));
    await t.close();
    const ledger = keepOpen(chaincode(assets));
    t = await startTestApp({ config, ledger, database: db });
    await create('LOT-R1');
    await until(async () => Number((await db.query('SELECT COUNT(*) AS n FROM ledger_events'))[0]?.n) === 1);
    await t.gateway.app.close();
    // Committed while the gateway is down.
    await ledger.submit({
      identity: 'manufacturer-user1',
      transaction: 'createAsset',
      args: [JSON.stringify({ id: 'LOT-R2', product: { sku: 'S', description: 'd' } })],
    });
    t = await startTestApp({ config, ledger, database: db });
    await until(
      async () => Number((await db.query('SELECT COUNT(*) AS n FROM ledger_events'))[0]?.n) === 2,
      3_000,
    );
    const ids = await db.query<{ event_name: string; asset_id: string }>(
      'SELECT event_name, asset_id FROM ledger_events ORDER BY seq',
    );
    expect(ids).toEqual([
      { event_name: 'AssetCreated', asset_id: 'LOT-R1' },
      { event_name: 'AssetCreated', asset_id: 'LOT-R2' },
    ]);
  });
});

async function startTestAppWith(config: ReturnType<typeof testConfig>, ledger: FakeLedger, post: HttpPost) {
  return startTestApp({ config, ledger, webhookPost: post });
}
