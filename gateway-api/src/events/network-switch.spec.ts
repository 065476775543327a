import type { Database } from '../database/database';
import { migrate } from '../database/migrations';
import type { LedgerBlock } from '../ledger/ledger.port';
import { FakeLedger } from '../ledger/testing/fake-ledger';
import { ProjectionRepository } from '../read-model/projection.repository';
import { attestingWrites } from '../testing/attesting-writes';
import { anAsset } from '../testing/fake-assets';
import { testDatabases } from '../testing/databases';
import { EventBus } from './event-bus';
import { EventReaderService } from './event-reader.service';
import {
  EventStoreRepository,
  PROJECTION_CHECKPOINT,
  READER_CHECKPOINT,
  type SwitchStep,
} from './event-store.repository';
import { NETWORK_MIGRATED } from './event.types';
import { cloudEventType } from './cloud-event';
import type { FunctionBinding } from '../functions/function-binding';
import { bindingSelects } from '../functions/function-worker';
import { JsonLogger } from '../common/logger';
import { MetricsService } from '../metrics/metrics.service';

const encoder = new TextEncoder();
const SOURCE = { channel: 'supplychain', genesisBlockHash: 'aa'.repeat(32) };
const TARGET = { channel: 'supplychain', genesisBlockHash: 'bb'.repeat(32) };

function created(number: number, txId: string, assetId: string): LedgerBlock {
  const payload = { assetId };
  return {
    number: BigInt(number),
    bytes: new Uint8Array(),
    transactions: [
      {
        txId,
        type: 'ENDORSER_TRANSACTION',
        timestamp: new Date('2026-01-01T00:00:00Z'),
        validationCode: 'VALID',
        creatorMspId: 'ManufacturerMSP',
        chaincodeEvents: [
          {
            chaincode: 'waybill',
            name: 'AssetCreated',
            payload: encoder.encode(JSON.stringify(payload)),
            writes: attestingWrites('AssetCreated', payload),
          },
        ],
      },
    ],
  };
}

/**
 * The gateway switching ledger networks (docs/migration.md, "Switch the partner API"): one
 * transaction stores the NetworkMigrated event, drops the reader checkpoint, empties the read model
 * and records the new epoch; a crash between any two steps leaves the old network's state whole,
 * and the next start switches exactly once.
 */
describe.each(testDatabases())('network switch on %s', (_name, open) => {
  let db: Database;
  let store: EventStoreRepository;
  let projection: ProjectionRepository;

  /** The source network's state: two events, their block checkpoint, a projected asset. */
  async function onSource(): Promise<void> {
    expect(await store.enterNetwork(SOURCE, 1_000)).toMatchObject({ kind: 'adopted', network: { ...SOURCE, epoch: 1, firstSeq: 0 } });
    await store.appendBlock(created(7, 's1', 'L1'), 'waybill');
    await store.appendBlock(created(8, 's2', 'L2'), 'waybill');
    await projection.apply([{ json: JSON.stringify(anAsset({ id: 'L1' })), seq: 1 }], [], 2);
  }

  async function state(): Promise<unknown> {
    return {
      events: (await store.list({ afterSeq: 0, limit: 100 })).map((e) => e.id),
      reader: await store.checkpoint(READER_CHECKPOINT),
      projection: await store.checkpoint(PROJECTION_CHECKPOINT),
      projected: await projection.ids(),
      network: await store.network(),
    };
  }

  beforeEach(async () => {
    db = await open();
    await migrate(db);
    store = new EventStoreRepository(db);
    projection = new ProjectionRepository(db);
  });
  afterEach(() => db.close());

  it('adopts the first network, and the same network again changes nothing', async () => {
    await onSource();
    const before = await state();
    expect(await store.enterNetwork(SOURCE, 2_000)).toMatchObject({ kind: 'unchanged', network: { epoch: 1 } });
    expect(await state()).toEqual(before);
  });

  it('switches once: a NetworkMigrated event after every event, the reader and the read model start over on the target', async () => {
    await onSource();
    const entry = await store.enterNetwork(TARGET, 3_000);
    expect(entry).toMatchObject({
      kind: 'switched',
      from: { ...SOURCE, epoch: 1 },
      network: { ...TARGET, epoch: 2, firstSeq: 3 },
      event: { seq: 3, id: 'network-2:NetworkMigrated', name: NETWORK_MIGRATED, assetIds: [], blockNumber: 0, txId: '' },
    });
    expect(JSON.parse(entry.kind === 'switched' ? entry.event.payload : '{}')).toEqual({ epoch: 2, from: SOURCE, to: TARGET });
    expect(await state()).toEqual({
      events: ['s1:AssetCreated', 's2:AssetCreated', 'network-2:NetworkMigrated'],
      reader: undefined,
      projection: 3,
      projected: [],
      network: { ...TARGET, epoch: 2, firstSeq: 3 },
    });
    // The target's blocks restart at 0; their events follow with new IDs and positions.
    await store.appendBlock(created(0, 't0', 'L1'), 'waybill');
    await store.appendBlock(created(1, 't1', 'L9'), 'waybill');
    const all = await store.list({ afterSeq: 0, limit: 100 });
    expect(all.map((e) => [e.seq, e.id, e.blockNumber])).toEqual([
      [1, 's1:AssetCreated', 7],
      [2, 's2:AssetCreated', 8],
      [3, 'network-2:NetworkMigrated', 0],
      [4, 't0:AssetCreated', 0],
      [5, 't1:AssetCreated', 1],
    ]);
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
    // Replay from a block means the target's block: the old network's block 7 is not searched.
    expect(await store.seqBeforeBlock(1)).toBe(4);
    expect(await store.seqBeforeBlock(0)).toBe(2);
    // Restarted on the target: nothing more happens.
    expect(await store.enterNetwork(TARGET, 4_000)).toMatchObject({ kind: 'unchanged', network: { epoch: 2 } });
    expect((await store.list({ afterSeq: 0, limit: 100 })).filter((e) => e.name === NETWORK_MIGRATED)).toHaveLength(1);
    // Back to the source (a rollback) is a switch of its own, with an ID of its own.
    expect(await store.enterNetwork(SOURCE, 5_000)).toMatchObject({ kind: 'switched', network: { epoch: 3 }, event: { id: 'network-3:NetworkMigrated' } });
  });

  it.each<SwitchStep>(['event', 'reader checkpoint', 'read model', 'epoch'])(
    'a crash after the step "%s" leaves the source state whole; the next start switches exactly once',
    async (step) => {
      await onSource();
      const before = await state();
      await expect(store.enterNetwork(TARGET, 3_000, step)).rejects.toThrow(`crash after step ${step}`);
      expect(await state()).toEqual(before);
      expect(await store.enterNetwork(TARGET, 3_100)).toMatchObject({ kind: 'switched', network: { epoch: 2 } });
      expect(await store.enterNetwork(TARGET, 3_200)).toMatchObject({ kind: 'unchanged' });
      expect((await state()) as { events: string[] }).toMatchObject({
        events: ['s1:AssetCreated', 's2:AssetCreated', 'network-2:NetworkMigrated'],
        reader: undefined,
        projected: [],
      });
    },
  );

  it("selects the gateway's own events whatever the name and asset filters, when asked", async () => {
    await onSource();
    await store.enterNetwork(TARGET, 3_000);
    expect((await store.list({ afterSeq: 0, names: ['StatusChanged'], limit: 10 })).map((e) => e.id)).toEqual([]);
    expect((await store.list({ afterSeq: 0, names: ['StatusChanged'], withGatewayEvents: true, limit: 10 })).map((e) => e.id)).toEqual([
      'network-2:NetworkMigrated',
    ]);
    expect((await store.list({ afterSeq: 0, assetId: 'L2', withGatewayEvents: true, limit: 10 })).map((e) => e.id)).toEqual([
      's2:AssetCreated',
      'network-2:NetworkMigrated',
    ]);
    expect((await store.list({ afterSeq: 0, assetId: 'L2', limit: 10 })).map((e) => e.id)).toEqual(['s2:AssetCreated']);
  });

  it('the event reader switches before it reads a block of the new network, then reads it from its start block', async () => {
    await onSource();
    const ledger = new FakeLedger();
    ledger.network = TARGET;
    ledger.handle('createAsset', (c) => {
      c.emit('AssetCreated', { assetId: 'T1' });
      return { id: 'T1' };
    });
    await ledger.submit({ identity: 'u', transaction: 'createAsset', args: [] });
    const bus = new EventBus();
    let notified = 0;
    bus.subscribe(() => (notified += 1));
    const logger = new JsonLogger('error', () => undefined);
    const reader = new EventReaderService(
      ledger,
      store,
      bus,
      { identity: 'u', chaincode: 'waybill', startBlock: 0, reconnectBaseDelayMs: 10, reconnectMaxDelayMs: 50 },
      logger,
      new MetricsService(),
    );
    reader.start();
    try {
      for (let i = 0; i < 300 && reader.status().checkpointBlock !== 0; i++) await new Promise((r) => setTimeout(r, 10));
    } finally {
      await reader.stop();
    }
    const events = await store.list({ afterSeq: 0, limit: 100 });
    expect(events.map((e) => e.name)).toEqual(['AssetCreated', 'AssetCreated', NETWORK_MIGRATED, 'AssetCreated']);
    expect(events[3]).toMatchObject({ blockNumber: 0, assetIds: ['T1'] });
    expect(reader.status().network).toMatchObject({ ...TARGET, epoch: 2 });
    expect(notified).toBeGreaterThanOrEqual(2);
  });
});

describe("the gateway's own event reaches every function, whatever its filters", () => {
  const event = (name: string, assetIds: string[]) => ({
    seq: 1,
    id: `x:${name}`,
    blockNumber: 0,
    txId: '',
    name,
    assetIds,
    timestamp: 0,
    payload: '{}',
  });
  const binding = {
    filters: { types: ['io.waybill.handover.proposed'], assets: ['L1'], orgs: ['CarrierMSP'] },
  } as unknown as FunctionBinding;

  it('selects NetworkMigrated and nothing else the filters leave out', () => {
    expect(bindingSelects(binding, event(NETWORK_MIGRATED, []))).toBe(true);
    expect(bindingSelects(binding, event('AssetCreated', ['L1']))).toBe(false);
    expect(cloudEventType(NETWORK_MIGRATED)).toBe('io.waybill.network.migrated');
  });
});
