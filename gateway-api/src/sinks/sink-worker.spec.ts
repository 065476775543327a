import { JsonLogger } from '../common/logger';
import type { SinkConfig } from '../config/sinks-config';
import { parseSinks } from '../config/sinks-config';
import type { EventStoreRepository } from '../events/event-store.repository';
import type { StoredEvent } from '../events/event.types';
import type { DeadLetter, IntegrationRepository } from '../events/integration.repository';
import { MetricsService } from '../metrics/metrics.service';
import { kafkaRefusal } from './kafka.publisher';
import { natsRefusal, natsSubject } from './nats.publisher';
import { type OutboundEvent, type SinkPublisher, SinkRejectedError } from './sink-publisher';
import { SinkWorker } from './sink-worker';

function event(seq: number, asset: string, name = 'AssetCreated'): StoredEvent {
  return {
    seq,
    id: `tx${seq}:${name}`,
    blockNumber: seq,
    txId: `tx${seq}`,
    name,
    assetIds: [asset],
    timestamp: Date.now(),
    payload: `{"assetId":"${asset}"}`,
  };
}

/** An in-memory event store and integration state. */
class Store {
  events: StoredEvent[] = [];
  cursors = new Map<string, number>();
  dead: Omit<DeadLetter, 'createdAt'>[] = [];

  eventStore(): EventStoreRepository {
    return {
      maxSeq: () => Promise.resolve(this.events.at(-1)?.seq ?? 0),
      list: (q: { afterSeq: number; uptoSeq?: number; limit: number }) =>
        Promise.resolve(
          this.events.filter((e) => e.seq > q.afterSeq && e.seq <= (q.uptoSeq ?? Infinity)).slice(0, q.limit),
        ),
    } as unknown as EventStoreRepository;
  }

  repo(): IntegrationRepository {
    return {
      cursor: async (name: string, initial: () => Promise<number>) => {
        if (!this.cursors.has(name)) this.cursors.set(name, await initial());
        return this.cursors.get(name);
      },
      advance: (name: string, seq: number) => {
        this.cursors.set(name, Math.max(this.cursors.get(name) ?? 0, seq));
        return Promise.resolve();
      },
      deadLetter: (d: Omit<DeadLetter, 'createdAt'>) => {
        this.dead.push(d);
        return Promise.resolve();
      },
    } as unknown as IntegrationRepository;
  }
}

/** A bus that records what it acknowledged; `fail` decides per call whether it throws. */
class FakeBus implements SinkPublisher {
  published: OutboundEvent[] = [];
  calls = 0;
  fail: (batch: readonly OutboundEvent[]) => Error | undefined = () => undefined;
  publish(batch: readonly OutboundEvent[]): Promise<void> {
    this.calls += 1;
    const err = this.fail(batch);
    if (err) return Promise.reject(err);
    this.published.push(...batch);
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const CONFIG: SinkConfig = {
  kind: 'nats',
  name: 'bus',
  events: null,
  servers: ['nats://x:1'],
  stream: 'S',
  subjectPrefix: 'w',
};
const OPTIONS = {
  maxAttempts: 3,
  retryBaseDelayMs: 1,
  retryMaxDelayMs: 5,
  batchSize: 2,
  origin: { network: 'n', channel: 'c', chaincode: 'w' },
};

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
}

function worker(store: Store, bus: FakeBus, config: SinkConfig = CONFIG): SinkWorker {
  return new SinkWorker(
    config,
    bus,
    store.eventStore(),
    store.repo(),
    OPTIONS,
    new JsonLogger('error', () => undefined),
    new MetricsService({ defaultMetrics: false }),
  );
}

describe('SinkWorker', () => {
  it('publishes CloudEvents in event order from its durable position, and resumes there', async () => {
    const store = new Store();
    store.events = [event(1, 'A')];
    store.cursors.set('sink:bus', 1);
    store.events.push(event(2, 'A'), event(3, 'B'), event(4, 'A', 'HandoverProposed'));
    const bus = new FakeBus();
    const w = worker(store, bus);
    w.start();
    await until(() => store.cursors.get('sink:bus') === 4);
    await w.stop();
    expect(bus.published.map((o) => o.event.id)).toEqual([
      'tx2:AssetCreated',
      'tx3:AssetCreated',
      'tx4:HandoverProposed',
    ]);
    expect(JSON.parse(bus.published[2]!.json)).toMatchObject({
      id: 'tx4:HandoverProposed',
      type: 'io.waybill.handover.proposed',
      subject: 'A',
      source: '/waybill/n/c/w',
    });

    // A restart (new worker) publishes only what came after its position.
    store.events.push(event(5, 'B'));
    const again = new FakeBus();
    const w2 = worker(store, again);
    w2.start();
    await until(() => store.cursors.get('sink:bus') === 5);
    await w2.stop();
    expect(again.published.map((o) => o.event.seq)).toEqual([5]);
  });

  it('retries an outage without limit and without moving, then delivers everything', async () => {
    const store = new Store();
    store.cursors.set('sink:bus', 0);
    store.events = [event(1, 'A'), event(2, 'A'), event(3, 'A')];
    const bus = new FakeBus();
    bus.fail = () => (bus.calls <= 6 ? new Error('ECONNREFUSED') : undefined);
    const w = worker(store, bus);
    w.start();
    await until(() => store.cursors.get('sink:bus') === 3);
    await w.stop();
    expect(bus.calls).toBeGreaterThan(6);
    expect(store.dead).toEqual([]);
    expect(bus.published.map((o) => o.event.seq)).toEqual([1, 2, 3]);
  });

  it('dead-letters what the bus refuses after the attempts and moves on', async () => {
    const store = new Store();
    store.cursors.set('sink:bus', 0);
    store.events = [event(1, 'A'), event(2, 'B'), event(3, 'C')];
    const bus = new FakeBus();
    bus.fail = (batch) =>
      batch.some((o) => o.event.seq === 2) && batch.length > 1
        ? new SinkRejectedError('too large', ['tx2:AssetCreated'])
        : undefined;
    const w = worker(store, bus);
    w.start();
    await until(() => store.cursors.get('sink:bus') === 3);
    await w.stop();
    expect(store.dead).toEqual([
      expect.objectContaining({ name: 'sink:bus', eventSeq: 2, eventId: 'tx2:AssetCreated', attempts: 3 }),
    ]);
    expect(bus.published.map((o) => o.event.seq)).toEqual([1, 3]);
  });

  it('dead-letters two refused events of one batch each after its own attempts (a bus that stops at the first)', async () => {
    const store = new Store();
    store.cursors.set('sink:bus', 0);
    store.events = [event(1, 'A'), event(2, 'B'), event(3, 'C'), event(4, 'D'), event(5, 'E')];
    const bus = new FakeBus();
    const refused = new Set([2, 4]);
    let refusals = 0;
    // Like NATS: publishes in order and stops at the first event it refuses.
    bus.publish = (batch) => {
      bus.calls += 1;
      for (const o of batch) {
        if (refused.has(o.event.seq)) {
          refusals += 1;
          return Promise.reject(new SinkRejectedError('limit', [o.event.id]));
        }
        bus.published.push(o);
      }
      return Promise.resolve();
    };
    const w = new SinkWorker(
      CONFIG,
      bus,
      store.eventStore(),
      store.repo(),
      { ...OPTIONS, batchSize: 10 },
      new JsonLogger('error', () => undefined),
      new MetricsService({ defaultMetrics: false }),
    );
    w.start();
    await until(() => store.cursors.get('sink:bus') === 5);
    await w.stop();
    expect(store.dead.map((d) => [d.eventSeq, d.attempts])).toEqual([
      [2, 3],
      [4, 3],
    ]);
    expect(refusals).toBe(6);
    // Every acknowledged event at least once, in order; never a refused one.
    expect([...new Set(bus.published.map((o) => o.event.seq))]).toEqual([1, 3, 5]);
  });

  it('publishes only the events its filter names', async () => {
    const store = new Store();
    store.cursors.set('sink:bus', 0);
    store.events = [event(1, 'A'), event(2, 'A', 'HandoverProposed'), event(3, 'A')];
    const bus = new FakeBus();
    const w = worker(store, bus, { ...CONFIG, events: ['HandoverProposed'] });
    w.start();
    await until(() => store.cursors.get('sink:bus') === 3);
    await w.stop();
    expect(bus.published.map((o) => o.event.seq)).toEqual([2]);
  });
});

describe('sink configuration and subjects', () => {
  it('validates WAYBILL_SINKS and reports every problem', () => {
    const problems: string[] = [];
    const sinks = parseSinks(
      JSON.stringify([
        { name: 'k', kind: 'kafka', brokers: ['127.0.0.1:9092'], topic: 'waybill.events' },
        { name: 'n', kind: 'nats', servers: ['nats://127.0.0.1:4222'] },
        { name: 'e', kind: 'eventbridge', region: 'eu-west-1' },
        { name: 'k', kind: 'kafka', brokers: ['x:1'], topic: 't' },
        { name: 'BAD', kind: 'kafka' },
        { name: 'q', kind: 'sqs' },
        { name: 'z', kind: 'nats', servers: ['nats://h:1'], password: 'x' },
      ]),
      (m) => problems.push(m),
    );
    expect(sinks.map((s) => s.name)).toEqual(['k', 'n', 'e']);
    expect(sinks[1]).toMatchObject({ stream: 'WAYBILL', subjectPrefix: 'waybill' });
    expect(sinks[2]).toMatchObject({ eventBusName: 'default', source: 'io.waybill', endpoint: undefined });
    expect(problems).toEqual([
      '[3] name k is used twice',
      '[4] name must match [a-z0-9][a-z0-9-]{0,39}',
      '[5] kind must be one of kafka, nats, eventbridge',
      '[6] has unknown field password',
    ]);
    expect(parseSinks('{', (m) => problems.push(m))).toEqual([]);
    expect(problems.at(-1)).toBe('must be a JSON array of sinks');
  });

  it('names NATS subjects per type and asset', () => {
    expect(natsSubject('waybill', 'io.waybill.asset.created', 'LOT.1')).toBe(
      'waybill.io.waybill.asset.created.LOT_1',
    );
    expect(natsSubject('waybill', 'io.waybill.governance.changed', '')).toBe(
      'waybill.io.waybill.governance.changed._',
    );
  });

  it('tells a NATS refusal of the message (dead-lettered) from an outage (retried)', () => {
    // Shapes of the nats client's errors, as seen against nats-server with JetStream.
    const jsError = (code: string, errCode: number, description: string) =>
      Object.assign(new Error(code), {
        code,
        api_error: { code: Number(code), err_code: errCode, description },
      });
    expect(natsRefusal(jsError('503', 10077, 'maximum messages per subject exceeded'))).toBe(
      'JetStream refused the message: maximum messages per subject exceeded (10077)',
    );
    expect(natsRefusal(jsError('400', 10054, 'message size exceeds maximum allowed'))).toBe(
      'JetStream refused the message: message size exceeds maximum allowed (10054)',
    );
    expect(
      natsRefusal(Object.assign(new Error('MAX_PAYLOAD_EXCEEDED'), { code: 'MAX_PAYLOAD_EXCEEDED' })),
    ).toMatch(/max_payload/);
    // No stream for the subject, stream not found, timeouts, a closed connection: outages.
    expect(natsRefusal(Object.assign(new Error('503'), { code: '503' }))).toBeUndefined();
    expect(natsRefusal(jsError('404', 10059, 'stream not found'))).toBeUndefined();
    expect(natsRefusal(Object.assign(new Error('TIMEOUT'), { code: 'TIMEOUT' }))).toBeUndefined();
    expect(natsRefusal('CONNECTION_CLOSED')).toBeUndefined();
  });

  it('tells a Kafka refusal of the record (dead-lettered) from an outage (retried)', () => {
    // The kafkajs error of a record above the topic's max.message.bytes, as seen against the broker.
    const tooLarge = Object.assign(
      new Error('The request included a message larger than the max message size the server will accept'),
      { name: 'KafkaJSProtocolError', type: 'MESSAGE_TOO_LARGE', retriable: false },
    );
    const message =
      'Kafka refused the record: The request included a message larger than the max message size the server will accept (MESSAGE_TOO_LARGE)';
    expect(kafkaRefusal(tooLarge)).toBe(message);
    expect(kafkaRefusal(Object.assign(new Error('wrapped'), { originalError: tooLarge }))).toBe(message);
    expect(
      kafkaRefusal(Object.assign(new Error('no leader'), { type: 'LEADER_NOT_AVAILABLE', retriable: true })),
    ).toBeUndefined();
    expect(kafkaRefusal(new Error('Connection error: connect ECONNREFUSED'))).toBeUndefined();
  });
});
