import type { Asset } from '../assets/asset.types';
import { eventChaincode, until } from '../testing/event-chaincode';
import { request, startTestApp, type TestApp, testConfig } from '../testing/test-app';
import { type OutboundEvent, type SinkPublisher, SinkRejectedError } from './sink-publisher';

/** One bus shared by every publisher the gateway makes for it (the worker's and each redelivery's). */
class FakeBus {
  readonly published: OutboundEvent[] = [];
  /** Assets whose events the bus refuses for what they are. */
  readonly refused = new Set<string>();
  down = false;
  publishers = 0;
  closed = 0;

  publisher(): SinkPublisher {
    this.publishers += 1;
    return {
      publish: (batch) => {
        if (this.down) return Promise.reject(new Error('connect ECONNREFUSED'));
        const bad = batch.filter((o) => this.refused.has(o.key));
        if (bad.length > 0)
          return Promise.reject(
            new SinkRejectedError(
              'PutEvents refused 1 entry: InvalidArgument',
              bad.map((o) => o.event.id),
            ),
          );
        this.published.push(...batch);
        return Promise.resolve();
      },
      close: () => {
        this.closed += 1;
        return Promise.resolve();
      },
    };
  }
}

describe('event sinks: admin view, dead letters and their redelivery (fake bus)', () => {
  let t: TestApp;
  let bus: FakeBus;
  const config = testConfig({
    events: {
      enabled: true,
      identity: 'manufacturer-auditor',
      startBlock: 0,
      reconnectMaxDelayMs: 200,
      leaderRetryMs: 100,
      streams: testConfig().events.streams,
      webhooks: testConfig().events.webhooks,
      network: 'test',
      sinks: {
        list: [
          {
            kind: 'eventbridge',
            name: 'bus',
            events: null,
            region: 'us-east-1',
            eventBusName: 'default',
            source: 'io.waybill',
            endpoint: 'http://127.0.0.1:9',
          },
        ],
        maxAttempts: 2,
        retryBaseDelayMs: 5,
        retryMaxDelayMs: 20,
        batchSize: 100,
      },
      functions: { files: [], apiUrl: undefined },
    },
  });
  const admin = () => t.keys['manufacturer-admin'] ?? '';
  const create = async (id: string): Promise<string> => {
    const r = await request(t, 'POST', '/v1/assets', {
      key: t.keys['manufacturer-user1'] ?? '',
      body: {
        id,
        product: { sku: 'COFFEE-1KG', description: 'Arabica coffee' },
        quantity: { amount: 1, unit: 'kg' },
        origin: { site: 'S', country: 'CO' },
      },
    });
    expect(r.status).toBe(201);
    return `${String(r.body.txId)}:AssetCreated`;
  };
  const deadLetters = async () =>
    (await request(t, 'GET', '/v1/sinks/bus/dead-letters', { key: admin() })).body as {
      items: { eventId: string; attempts: number; error: string }[];
    };

  beforeEach(async () => {
    bus = new FakeBus();
    t = await startTestApp({
      config,
      ledger: eventChaincode(new Map<string, Asset>()),
      sinkPublishers: () => bus.publisher(),
    });
  });
  afterEach(() => t.close());

  it('dead-letters a refused event, lists it, and redelivers it once the bus takes it', async () => {
    bus.refused.add('LOT-BAD');
    // The sink starts at the events stored from its creation on: wait for its position first.
    await until(
      async () => (await request(t, 'GET', '/v1/sinks/bus', { key: admin() })).body.position !== null,
    );
    const good = await create('LOT-GOOD');
    const bad = await create('LOT-BAD');
    const after = await create('LOT-AFTER');
    await until(() => bus.published.some((o) => o.event.id === after));
    expect(bus.published.map((o) => o.event.id)).toEqual([good, after]);
    expect((await deadLetters()).items).toMatchObject([
      { eventId: bad, attempts: 2, error: 'PutEvents refused 1 entry: InvalidArgument' },
    ]);
    expect((await request(t, 'GET', '/v1/sinks/bus', { key: admin() })).body).toMatchObject({
      deadLetters: 1,
      backlog: 0,
    });

    // Refused again: it stays, one attempt more.
    const again = await request(t, 'POST', '/v1/sinks/bus/dead-letters/redeliver', { key: admin() });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({
      redelivered: 0,
      failed: [{ eventId: bad, error: 'PutEvents refused 1 entry: InvalidArgument' }],
      remaining: 1,
    });
    expect((await deadLetters()).items).toMatchObject([{ eventId: bad, attempts: 3 }]);

    // The bus is down: 503 problem, nothing lost.
    bus.down = true;
    const down = await request(t, 'POST', `/v1/sinks/bus/dead-letters/${bad}/redeliver`, { key: admin() });
    expect(down.status).toBe(503);
    expect(down.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(down.body).toMatchObject({
      code: 'SINK_UNAVAILABLE',
      retryable: true,
      detail: 'Error: connect ECONNREFUSED; 0 of 1 dead letters were redelivered before',
    });
    expect((await deadLetters()).items).toHaveLength(1);

    // The bus takes it now: published once more, no longer a dead letter.
    bus.down = false;
    bus.refused.clear();
    const one = await request(t, 'POST', `/v1/sinks/bus/dead-letters/${bad}/redeliver`, { key: admin() });
    expect(one.status).toBe(200);
    expect(one.body).toEqual({ redelivered: 1, failed: [], remaining: 0 });
    expect(bus.published.map((o) => o.event.id)).toEqual([good, after, bad]);
    const ce = JSON.parse(bus.published[2]?.json ?? '{}') as { id: string; subject: string; type: string };
    expect(ce).toMatchObject({ id: bad, subject: 'LOT-BAD', type: 'io.waybill.asset.created' });
    expect((await deadLetters()).items).toEqual([]);
    // Every redelivery's own publisher was closed.
    expect(bus.closed).toBeGreaterThanOrEqual(3);

    const gone = await request(t, 'POST', `/v1/sinks/bus/dead-letters/${bad}/redeliver`, { key: admin() });
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ code: 'DEAD_LETTER_NOT_FOUND' });
    const none = await request(t, 'POST', '/v1/sinks/bus/dead-letters/redeliver', { key: admin() });
    expect(none.body).toEqual({ redelivered: 0, failed: [], remaining: 0 });
  });

  it('answers problems for an unknown sink, a malformed event ID and a non-admin key', async () => {
    const id = `${'a'.repeat(64)}:AssetCreated`;
    const unknown = await request(t, 'POST', `/v1/sinks/nope/dead-letters/${id}/redeliver`, { key: admin() });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 'SINK_NOT_FOUND' });
    const malformed = await request(t, 'POST', '/v1/sinks/bus/dead-letters/not-an-event/redeliver', {
      key: admin(),
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ field: 'eventId', message: 'eventId must be <transaction ID>:<event name>' }],
    });
    const user = await request(t, 'POST', '/v1/sinks/bus/dead-letters/redeliver', {
      key: t.keys['manufacturer-user1'] ?? '',
    });
    expect(user.status).toBe(403);
    expect(user.body).toMatchObject({ code: 'ROLE_FORBIDDEN' });
    const anonymous = await request(t, 'POST', '/v1/sinks/bus/dead-letters/redeliver');
    expect(anonymous.status).toBe(401);
  });
});
