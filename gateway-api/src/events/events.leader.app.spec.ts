import type { AddressInfo } from 'node:net';
import type { Asset } from '../assets/asset.types';
import { PostgresDatabase } from '../database/postgres.database';
import type { FakeLedger } from '../ledger/testing/fake-ledger';
import { postgresTestSchema, type PostgresTestSchema, testDatabases } from '../testing/databases';
import { eventChaincode, keepOpen, until } from '../testing/event-chaincode';
import { request, startTestApp, type TestApp, testConfig } from '../testing/test-app';
import type { HttpPost } from '../webhooks/webhook-dispatcher';
import { EventReaderService } from './event-reader.service';
import { LEADER_LOCK_CLASS } from './postgres-leader-election';

// The PostgreSQL server of the storage tests; left out only on an explicit WAYBILL_TEST_SQLITE_ONLY=1.
const postgres = testDatabases().some(([name]) => name === 'postgres')
  ? [process.env.WAYBILL_TEST_DATABASE_URL ?? '']
  : [];

/** Webhook re-reads subscriptions every 5 s; a leader change takes a retry period (100 ms here). */
const WAIT_MS = 20_000;

describe('event leadership of a SQLite gateway', () => {
  it('is always the leader with events on, and never with them off', async () => {
    for (const enabled of [true, false]) {
      const base = testConfig().events;
      const t = await startTestApp({ config: testConfig({ events: { ...base, enabled } }) });
      try {
        const status = await request(t, 'GET', '/v1/read-model', { key: t.keys['manufacturer-user1'] ?? '' });
        expect(status.body.leader).toBe(enabled);
        expect(/^waybill_events_leader (\d)$/m.exec((await request(t, 'GET', '/metrics')).text)?.[1]).toBe(
          enabled ? '1' : '0',
        );
      } finally {
        await t.close();
      }
    }
  });
});

for (const pgUrl of postgres) {
  describe('two gateway processes on one PostgreSQL database (fake ledger)', () => {
    let schema: PostgresTestSchema;
    let ledger: FakeLedger;
    let assets: Map<string, Asset>;
    let apps: TestApp[];
    let received: { eventId: string; deliveryId: string }[];
    const post: HttpPost = (_url, init) => {
      received.push({
        eventId: init.headers['waybill-event-id'] ?? '',
        deliveryId: init.headers['waybill-delivery-id'] ?? '',
      });
      return Promise.resolve(200);
    };
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
        sinks: { list: [], maxAttempts: 3, retryBaseDelayMs: 5, retryMaxDelayMs: 20, batchSize: 100 },
        functions: { files: [], apiUrl: undefined },
      },
    });

    /** One gateway process: its own connection pool on the shared schema, the shared ledger. */
    const start = async (): Promise<TestApp> => {
      const app = await startTestApp({
        config,
        ledger,
        database: new PostgresDatabase(schema.url, 4),
        webhookPost: post,
      });
      apps.push(app);
      return app;
    };
    const stop = async (app: TestApp): Promise<void> => {
      apps = apps.filter((a) => a !== app);
      await app.close();
    };
    const key = (t: TestApp, id: string) => t.keys[id] ?? '';
    const create = async (t: TestApp, id: string) => {
      const r = await request(t, 'POST', '/v1/assets', {
        key: key(t, 'manufacturer-user1'),
        body: {
          id,
          product: { sku: 'COFFEE-1KG', description: 'Arabica' },
          quantity: { amount: 1, unit: 'kg' },
          origin: { site: 'S', country: 'CO' },
        },
      });
      expect(r.status).toBe(201);
    };
    const isLeader = async (t: TestApp) =>
      (await request(t, 'GET', '/v1/read-model', { key: key(t, 'manufacturer-user1') })).body.leader;
    const leaderGauge = async (t: TestApp) =>
      /^waybill_events_leader (\d)$/m.exec((await request(t, 'GET', '/metrics')).text)?.[1];
    const storedIds = async (t: TestApp) =>
      (await t.db.query<{ event_id: string }>('SELECT event_id FROM ledger_events ORDER BY seq')).map(
        (r) => r.event_id,
      );

    beforeEach(async () => {
      schema = await postgresTestSchema(pgUrl);
      assets = new Map();
      // Both processes talk to the same ledger; closing one gateway must not close it for the other.
      ledger = keepOpen(eventChaincode(assets));
      apps = [];
      received = [];
    });

    afterEach(async () => {
      for (const app of apps) await app.close();
      await schema.drop();
    });

    it('stores each event once and delivers each webhook once; the follower takes over when the leader stops', async () => {
      const a = await start();
      const b = await start();
      expect(await isLeader(a)).toBe(true);
      expect(await isLeader(b)).toBe(false);
      expect(await leaderGauge(a)).toBe('1');
      expect(await leaderGauge(b)).toBe('0');
      expect(b.logs).toContainEqual(
        expect.objectContaining({ msg: 'event leadership held by another gateway process; following' }),
      );

      // Subscribed through the follower: the leader's dispatcher picks it up from the database.
      const sub = await request(b, 'POST', '/v1/webhooks', {
        key: key(b, 'manufacturer-admin'),
        body: { url: 'https://receiver.example/hook' },
      });
      expect(sub.status).toBe(201);
      const subscriptionId = (sub.body.subscription as { id: string }).id;
      await create(a, 'LOT-1');
      await create(b, 'LOT-2');
      const hold = await request(b, 'POST', '/v1/assets/LOT-1/hold', {
        key: key(b, 'manufacturer-user1'),
        body: { reason: 'check' },
      });
      expect(hold.status).toBe(200);
      await until(() => received.length >= 3, WAIT_MS);
      const deliveries = async () =>
        (
          await request(b, 'GET', `/v1/webhooks/${subscriptionId}/deliveries`, {
            key: key(b, 'manufacturer-admin'),
          })
        ).body.items as { state: string; eventId: string }[];
      await until(async () => {
        const items = await deliveries();
        return items.length === 3 && items.every((d) => d.state === 'delivered');
      }, WAIT_MS);
      const firstIds = await storedIds(a);
      expect(firstIds).toHaveLength(3);
      expect(new Set(firstIds).size).toBe(3);

      // The leader stops; the follower takes over from the durable checkpoints.
      await stop(a);
      await until(async () => (await isLeader(b)) === true, WAIT_MS);
      expect(await leaderGauge(b)).toBe('1');
      expect(b.logs).toContainEqual(expect.objectContaining({ msg: 'event leadership acquired' }));
      await create(b, 'LOT-3');
      await until(() => received.length >= 4, WAIT_MS);
      await until(async () => {
        const items = await deliveries();
        return items.length === 4 && items.every((d) => d.state === 'delivered');
      }, WAIT_MS);

      const ids = await storedIds(b);
      expect(ids).toHaveLength(4);
      expect(ids.slice(0, 3)).toEqual(firstIds);
      // Every stored event reached the receiver exactly once, by one delivery each.
      expect(received.map((r) => r.eventId).sort()).toEqual([...ids].sort());
      expect(new Set(received.map((r) => r.deliveryId)).size).toBe(4);
      // The read model is now kept by the new leader too.
      await until(async () => {
        const s = await request(b, 'GET', '/v1/read-model', { key: key(b, 'manufacturer-user1') });
        return s.body.lagBlocks === 0;
      }, WAIT_MS);
      const found = await request(b, 'GET', '/v1/assets?q=arabica&sort=id', {
        key: key(b, 'manufacturer-user1'),
      });
      expect((found.body.items as Asset[]).map((x) => x.id)).toEqual(['LOT-1', 'LOT-2', 'LOT-3']);
    }, 60_000);

    it('stops the event work of a leader whose lock session is terminated; events stay exactly once', async () => {
      const a = await start();
      const b = await start();
      expect(await isLeader(a)).toBe(true);
      const sub = await request(a, 'POST', '/v1/webhooks', {
        key: key(a, 'manufacturer-admin'),
        body: { url: 'https://receiver.example/hook' },
      });
      expect(sub.status).toBe(201);
      await create(a, 'LOT-T1');
      await until(() => received.length >= 1, WAIT_MS);

      const holders = await a.db.query<{ pid: number }>(
        `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objsubid = 2
           AND objid = hashtext(current_schema())::oid AND granted`,
        [LEADER_LOCK_CLASS],
      );
      expect(holders).toHaveLength(1);
      await a.db.query('SELECT pg_terminate_backend($1)', [holders[0]?.pid ?? 0]);
      await until(() => a.logs.some((l) => l.msg === 'event leadership lost'), WAIT_MS);
      expect(a.logs).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'event leadership lost' }));
      // Whichever process wins the next round, there is one leader, and it carries on.
      await until(async () => [await isLeader(a), await isLeader(b)].filter(Boolean).length === 1, WAIT_MS);
      // The old leader's reader was stopped: it is idle if `a` follows now, and it was started anew
      // (one connection per leadership spell) if `a` won again.
      const reader = a.app.get(EventReaderService);
      if (await isLeader(a)) {
        const count = (msg: string) => a.logs.filter((l) => l.msg === msg).length;
        await until(() => count('event reader connected') === 2, WAIT_MS);
        expect(count('event leadership acquired')).toBe(2);
      } else {
        await until(() => !reader.status().connected, WAIT_MS);
      }
      await create(b, 'LOT-T2');
      await create(a, 'LOT-T3');
      await until(() => received.length >= 3, WAIT_MS);
      await until(async () => (await storedIds(b)).length === 3, WAIT_MS);
      // Give a second writer (there must be none) the time to show itself.
      await new Promise((r) => setTimeout(r, 500));
      const ids = await storedIds(b);
      expect(ids).toHaveLength(3);
      expect(received.map((r) => r.eventId).sort()).toEqual([...ids].sort());
    }, 60_000);

    it('streams live events on the follower as the leader stores them', async () => {
      await start();
      const follower = await start();
      expect(await isLeader(follower)).toBe(false);
      await follower.app.listen({ port: 0, host: '127.0.0.1' });
      const port = (follower.app.getHttpServer().address() as AddressInfo).port;
      const controller = new AbortController();
      const res = await fetch(`http://127.0.0.1:${port}/v1/events`, {
        headers: { 'x-api-key': key(follower, 'manufacturer-user1') },
        signal: controller.signal,
      });
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      // Committed after the stream opened: it arrives live (no replay was asked for).
      await create(follower, 'LOT-LIVE');
      let text = '';
      while (!/^data: .*\n\n/m.test(text)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      controller.abort();
      // Woken by the follower's poll of the shared store, not by a keep-alive timeout.
      expect(text).not.toContain(': keep-alive');
      expect(text).toContain('event: AssetCreated');
      expect(text).toContain('"assetIds":["LOT-LIVE"]');
    }, 60_000);
  });
}
