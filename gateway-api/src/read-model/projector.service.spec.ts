import { AssetSnapshots } from '../events/asset-snapshots';
import type { EventStoreRepository } from '../events/event-store.repository';
import type { StoredEvent } from '../events/event.types';
import { JsonLogger } from '../common/logger';
import { EventBus } from '../events/event-bus';
import { chaincodeError, FakeLedger } from '../ledger/testing/fake-ledger';
import { MetricsService } from '../metrics/metrics.service';
import type { ProjectionRepository } from './projection.repository';
import { ProjectorService } from './projector.service';

function event(seq: number, assetIds: string[]): StoredEvent {
  return { seq, id: `tx${seq}:E`, blockNumber: seq, txId: `tx${seq}`, name: 'E', assetIds, timestamp: 0, payload: '{}' };
}

/** A projector over an in-memory event list and read model, reading assets from a fake ledger. */
function setUp(events: StoredEvent[], snapshots?: AssetSnapshots) {
  const ledger = new FakeLedger();
  ledger.handle('getAsset', (call) => {
    const id = call.args[0] ?? '';
    if (id === 'GONE') throw chaincodeError('ASSET_NOT_FOUND', 'no such asset', 'evaluate');
    return { id, from: 'ledger' };
  });
  const applied: { assets: { json: string; seq: number }[]; removed: string[]; last: number }[] = [];
  let position = 0;
  const store = {
    checkpoint: () => Promise.resolve(position),
    list: ({ afterSeq }: { afterSeq: number }) => Promise.resolve(events.filter((e) => e.seq > afterSeq)),
  } as unknown as EventStoreRepository;
  const repo = {
    apply: (assets: { json: string; seq: number }[], removed: string[], last: number) => {
      applied.push({ assets, removed, last });
      position = last;
      return Promise.resolve();
    },
  } as unknown as ProjectionRepository;
  const projector = new ProjectorService(
    ledger,
    store,
    repo,
    new EventBus(),
    'user1',
    new JsonLogger('error', () => undefined),
    new MetricsService({ defaultMetrics: false }),
    snapshots,
  );
  return { ledger, applied, projector };
}

describe('ProjectorService', () => {
  it('takes an asset’s value from the snapshot of its last event’s transaction, without reading the ledger', async () => {
    const snapshots = new AssetSnapshots();
    snapshots.record('A', 1, '{"id":"A","v":1}');
    snapshots.record('A', 2, '{"id":"A","v":2}');
    snapshots.record('B', 2, null);
    const { ledger, applied, projector } = setUp([event(1, ['A']), event(2, ['A', 'B'])], snapshots);
    await projector.step();
    expect(ledger.calls).toEqual([]);
    expect(applied).toEqual([{ assets: [{ json: '{"id":"A","v":2}', seq: 2 }], removed: ['B'], last: 2 }]);
    expect(snapshots.size).toBe(0);
  });

  it('reads from the ledger an asset whose last event has no snapshot (another process stored it, a restart)', async () => {
    const snapshots = new AssetSnapshots();
    // A snapshot of an earlier event is not the asset as of its last one.
    snapshots.record('A', 1, '{"id":"A","v":1}');
    const { ledger, applied, projector } = setUp([event(1, ['A']), event(2, ['A']), event(3, ['GONE'])], snapshots);
    await projector.step();
    expect(ledger.calls.map((c) => [c.transaction, c.args[0]])).toEqual([
      ['getAsset', 'A'],
      ['getAsset', 'GONE'],
    ]);
    expect(applied).toEqual([{ assets: [{ json: '{"id":"A","from":"ledger"}', seq: 2 }], removed: ['GONE'], last: 3 }]);
  });
});

describe('AssetSnapshots', () => {
  it('keeps the newest event’s value per asset and drops the oldest entries over its cap', () => {
    const snapshots = new AssetSnapshots(2);
    snapshots.record('A', 5, 'a5');
    snapshots.record('A', 4, 'a4');
    expect(snapshots.at('A', 5)).toBe('a5');
    expect(snapshots.at('A', 4)).toBeUndefined();
    snapshots.record('B', 6, 'b6');
    snapshots.record('C', 7, null);
    expect([snapshots.at('A', 5), snapshots.at('B', 6), snapshots.at('C', 7)]).toEqual([undefined, 'b6', null]);
    snapshots.forgetThrough(6);
    expect(snapshots.size).toBe(1);
  });
});
