import { JsonLogger } from '../common/logger';
import { EventBus } from '../events/event-bus';
import type { EventStoreRepository } from '../events/event-store.repository';
import type { StoredEvent } from '../events/event.types';
import { MetricsService } from '../metrics/metrics.service';
import { type HttpPost, WebhookDispatcher } from './webhook-dispatcher';
import type { AttemptOutcome, Delivery, Subscription, WebhookRepository } from './webhook.repository';

const EVENT: StoredEvent = {
  seq: 1,
  id: 'tx1:AssetCreated',
  blockNumber: 5,
  txId: 'tx1',
  name: 'AssetCreated',
  assetIds: ['LOT-1'],
  timestamp: 0,
  payload: '{}',
};

const SUBSCRIPTION: Subscription = {
  id: 'sub-1',
  url: 'https://receiver.example/hook',
  secret: 'whsec_test',
  eventNames: null,
  assetId: null,
  maxAttempts: null,
  format: 'waybill',
  signatures: ['waybill'],
  lastEventSeq: 0,
  createdBy: 'manufacturer-admin',
  createdAt: 0,
};

/** A deferred promise the test settles. */
function gate<T = void>(): { promise: Promise<T>; open: (value: T) => void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

/**
 * An in-memory delivery store whose `pending` reads a snapshot first and answers later (as a
 * database read does while another connection commits).
 */
class SlowReadStore {
  delivery: Delivery = {
    id: 'del-1',
    subscriptionId: SUBSCRIPTION.id,
    eventSeq: 1,
    eventId: EVENT.id,
    orderKey: 'LOT-1',
    state: 'pending',
    attempts: 0,
    roundAttempts: 0,
    nextAttemptAt: 0,
    lastStatus: null,
    lastError: null,
    createdAt: 0,
    deliveredAt: null,
  };
  /** When set, the next `pending` call waits on it after taking its snapshot. */
  hold: Promise<void> | undefined;
  pendingCalls = 0;

  repo(): WebhookRepository {
    return {
      list: () => Promise.resolve([SUBSCRIPTION]),
      get: () => Promise.resolve(SUBSCRIPTION),
      enqueue: () => Promise.resolve(),
      pending: async () => {
        this.pendingCalls += 1;
        const snapshot = this.delivery.state === 'pending' ? [this.delivery] : [];
        const hold = this.hold;
        this.hold = undefined;
        if (hold) await hold;
        return snapshot;
      },
      recordAttempt: (d: Delivery, _attempt: unknown, outcome: AttemptOutcome) => {
        this.delivery = { ...d, state: outcome.state, attempts: d.attempts + 1 };
        return Promise.resolve();
      },
    } as unknown as WebhookRepository;
  }
}

const events = {
  maxSeq: () => Promise.resolve(1),
  list: () => Promise.resolve([EVENT]),
  bySeq: () => Promise.resolve([EVENT]),
} as unknown as EventStoreRepository;

const OPTIONS = {
  timeoutMs: 1000,
  maxAttempts: 3,
  retryBaseDelayMs: 5,
  retryMaxDelayMs: 20,
  concurrency: 2,
  origin: { network: 'net', channel: 'supplychain', chaincode: 'waybill' },
};

describe('WebhookDispatcher', () => {
  it('does not send a delivery again when its attempt finishes while the pending list is being read', async () => {
    const store = new SlowReadStore();
    const bus = new EventBus();
    const response = gate<number>();
    const sent: string[] = [];
    const post: HttpPost = (_url, init) => {
      sent.push(init.headers['waybill-delivery-id'] ?? '');
      return response.promise;
    };
    const dispatcher = new WebhookDispatcher(
      store.repo(),
      events,
      bus,
      OPTIONS,
      new JsonLogger('error', () => undefined),
      new MetricsService(),
      post,
    );
    await dispatcher.start();
    try {
      // The first step reads the list and starts the attempt; the receiver has not answered yet.
      for (let i = 0; i < 20 && sent.length === 0; i++) await flush();
      expect(sent).toEqual(['del-1']);

      // A new event wakes the worker: it reads the list (still "pending") and the read is slow.
      const read = gate();
      store.hold = read.promise;
      const callsBefore = store.pendingCalls;
      bus.notify();
      for (let i = 0; i < 20 && store.pendingCalls === callsBefore; i++) await flush();
      expect(store.pendingCalls).toBe(callsBefore + 1);

      // Meanwhile the receiver answers and the outcome is recorded; then the stale list arrives.
      response.open(200);
      for (let i = 0; i < 20 && store.delivery.state === 'pending'; i++) await flush();
      expect(store.delivery.state).toBe('delivered');
      read.open();
      for (let i = 0; i < 50; i++) await flush();

      expect(sent).toEqual(['del-1']);
      expect(store.delivery.attempts).toBe(1);
    } finally {
      await dispatcher.stop();
    }
  });
});
