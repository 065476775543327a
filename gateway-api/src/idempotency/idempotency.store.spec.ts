import { migrate } from '../database/migrations';
import { testDatabases } from '../testing/databases';
import { canonicalJson, requestHash } from './idempotency.interceptor';
import { IdempotencyStore } from './idempotency.store';

describe('requestHash', () => {
  it('ignores key order but not values, paths or methods', () => {
    const a = requestHash({
      method: 'POST',
      url: '/v1/assets',
      body: { id: 'A', product: { sku: 'S', description: 'd' } },
    });
    expect(
      requestHash({
        method: 'POST',
        url: '/v1/assets',
        body: { product: { description: 'd', sku: 'S' }, id: 'A' },
      }),
    ).toBe(a);
    expect(
      requestHash({
        method: 'POST',
        url: '/v1/assets',
        body: { id: 'B', product: { sku: 'S', description: 'd' } },
      }),
    ).not.toBe(a);
    expect(
      requestHash({
        method: 'POST',
        url: '/v1/assets/A/split',
        body: { id: 'A', product: { sku: 'S', description: 'd' } },
      }),
    ).not.toBe(a);
    expect(canonicalJson({ b: [{ d: 1, c: 2 }], a: null })).toBe('{"a":null,"b":[{"c":2,"d":1}]}');
  });
});

describe.each(testDatabases())('IdempotencyStore on %s', (_name, open) => {
  let now = 10_000;
  const setup = async () => {
    const db = await open();
    await migrate(db);
    return { db, store: new IdempotencyStore(db, { ttlMs: 60_000, staleAfterMs: 5_000, now: () => now }) };
  };
  const response = {
    status: 201,
    headers: { 'x-transaction-id': 'tx1' },
    body: { txId: 'tx1', result: { id: 'A' } },
  };

  it('lets the first request proceed, then replays its response for the same request', async () => {
    const { db, store } = await setup();
    await expect(store.begin('key1', 'idem-1', 'h1')).resolves.toEqual({ kind: 'proceed' });
    await expect(store.begin('key1', 'idem-1', 'h1')).resolves.toEqual({ kind: 'in-progress' });
    await store.complete('key1', 'idem-1', response, 'tx1');
    await expect(store.begin('key1', 'idem-1', 'h1')).resolves.toEqual({ kind: 'replay', response });
    await expect(store.begin('key1', 'idem-1', 'h2')).resolves.toEqual({ kind: 'mismatch' });
    // Keys are per client.
    await expect(store.begin('key2', 'idem-1', 'h2')).resolves.toEqual({ kind: 'proceed' });
    await db.close();
  });

  it('forgets a released key, an expired one, and hands over a stale in-progress one', async () => {
    const { db, store } = await setup();
    await store.begin('key1', 'released', 'h');
    await store.release('key1', 'released');
    await expect(store.begin('key1', 'released', 'h')).resolves.toEqual({ kind: 'proceed' });

    await store.begin('key1', 'stale', 'h');
    now += 5_001;
    await expect(store.begin('key1', 'stale', 'h')).resolves.toEqual({ kind: 'proceed' });
    await expect(store.begin('key1', 'stale', 'h')).resolves.toEqual({ kind: 'in-progress' });

    await store.begin('key1', 'old', 'h');
    await store.complete('key1', 'old', response);
    now += 60_000;
    await expect(store.begin('key1', 'old', 'other')).resolves.toEqual({ kind: 'proceed' });
    expect(await store.purgeExpired()).toBeGreaterThan(0);
    await db.close();
  });
});
