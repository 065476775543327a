import { CursorCodec } from '../crypto/cursor-codec';
import type { AuthenticatedClient } from '../common/client';
import { ProblemException } from '../common/problems';
import { TransactionConflictError } from '../ledger/ledger.errors';
import { LedgerService } from '../ledger/ledger.service';
import { FakeLedger } from '../ledger/testing/fake-ledger';
import { MetricsService } from '../metrics/metrics.service';
import { anAsset, withAssets } from '../testing/fake-assets';
import type { Asset } from './asset.types';
import { AssetsService } from './assets.service';

const carrier: AuthenticatedClient = {
  keyId: 'k',
  name: 'tms',
  identityId: 'carrier-user1',
  role: 'carrier',
  mspId: 'CarrierMSP',
};
const ORGS = ['ManufacturerMSP', 'CarrierMSP', 'RetailerMSP'];

function setup(assets: Asset[]) {
  const store = new Map(assets.map((a) => [a.id, a]));
  const ledger = withAssets(new FakeLedger('CarrierMSP'), store);
  const service = new AssetsService(
    new LedgerService(
      ledger,
      new MetricsService({ defaultMetrics: false }),
      { maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 0 },
      { record: () => Promise.resolve() },
      {
        random: () => 0,
        sleep: () => Promise.resolve(),
      },
    ),
    ORGS,
    new CursorCodec(Buffer.alloc(32, 1)),
  );
  return { store, ledger, service };
}

describe('AssetsService writes', () => {
  it('reads the asset and endorses with its owner and custodian, filled up to a majority', async () => {
    const { ledger, service } = setup([
      anAsset({
        id: 'LOT-1',
        custodian: 'ManufacturerMSP',
        pendingHandover: { from: 'ManufacturerMSP', to: 'CarrierMSP', proposedAt: '', txId: '' },
      }),
    ]);
    ledger.handle('acceptHandover', (c) => ({ id: c.args[0], custodian: 'CarrierMSP' }));
    const outcome = await service.submitOnAsset(carrier, 'acceptHandover', 'LOT-1', [], 'sync');
    expect(outcome).toMatchObject({
      mode: 'sync',
      attempts: 1,
      result: { id: 'LOT-1', custodian: 'CarrierMSP' },
    });
    expect(ledger.callsOf('acceptHandover')).toMatchObject([
      {
        kind: 'submit',
        identity: 'carrier-user1',
        args: ['LOT-1'],
        // the holder, then the caller: 2 of the 3 organisations (index entries move)
        endorsingOrganizations: ['CarrierMSP', 'ManufacturerMSP'],
      },
    ]);
  });

  it('follows the holders as they are at each attempt when it retries a conflict', async () => {
    const { store, ledger, service } = setup([
      anAsset({ id: 'LOT-1', owner: 'ManufacturerMSP', custodian: 'ManufacturerMSP' }),
    ]);
    ledger.failNext('proposeHandover', (call) => {
      // A concurrent transaction moved custody while ours was in flight.
      store.set('LOT-1', anAsset({ id: 'LOT-1', owner: 'ManufacturerMSP', custodian: 'RetailerMSP' }));
      return new TransactionConflictError({
        stage: 'commitStatus',
        txId: call.txId,
        message: 'conflict',
        validationCode: 'MVCC_READ_CONFLICT',
      });
    });
    ledger.handle('proposeHandover', () => ({ ok: true }));
    const outcome = await service.submitOnAsset(carrier, 'proposeHandover', 'LOT-1', ['CarrierMSP'], 'sync');
    expect(outcome).toMatchObject({ attempts: 2 });
    expect(ledger.callsOf('proposeHandover').map((c) => c.endorsingOrganizations)).toEqual([
      ['ManufacturerMSP'],
      ['ManufacturerMSP', 'RetailerMSP'],
    ]);
    expect(ledger.callsOf('getAsset')).toHaveLength(2);
  });

  it('sends sale terms as transient data to its own organisation only, never as arguments', async () => {
    const { ledger, service } = setup([]);
    ledger.handle('agreeSaleTerms', (c) => ({ assetId: c.args[0], side: 'buyer' }));
    const terms = { price: '100.50', currency: 'EUR', incoterms: 'FCA', nonce: 'ab'.repeat(16) };
    await service.agreeSaleTerms({ ...carrier, mspId: 'RetailerMSP' }, 'LOT-1', terms, 'sync');
    const [call] = ledger.callsOf('agreeSaleTerms');
    expect(call).toMatchObject({
      args: ['LOT-1'],
      endorsingOrganizations: ['RetailerMSP'],
      transient: { terms: JSON.stringify(terms) },
    });
    expect(JSON.stringify(call?.args)).not.toContain('100.50');
    expect(ledger.callsOf('getAsset')).toHaveLength(0);
  });

  it('endorses a merge with the holders of every input and a recall with every organisation', async () => {
    const { ledger, service } = setup([anAsset({ id: 'A' }), anAsset({ id: 'B', custodian: 'CarrierMSP' })]);
    ledger.handle('mergeAssets', () => anAsset({ id: 'M' }));
    ledger.handle('recallAsset', () => ({ recallId: 'r', complete: true }));
    await service.merge(carrier, { newAssetId: 'M', assetIds: ['A', 'B'] }, 'sync');
    await service.recallAsset(carrier, 'A', 'contamination', 'sync');
    expect(ledger.callsOf('mergeAssets')).toMatchObject([
      {
        args: [JSON.stringify({ newAssetId: 'M', assetIds: ['A', 'B'], attributes: {} })],
        endorsingOrganizations: ['CarrierMSP', 'ManufacturerMSP'],
      },
    ]);
    expect(ledger.callsOf('recallAsset')).toMatchObject([
      {
        args: ['A', 'contamination'],
        endorsingOrganizations: ['CarrierMSP', 'ManufacturerMSP', 'RetailerMSP'],
      },
    ]);
  });

  it('creates with its own organisation and others up to a majority, and the chaincode’s input shape', async () => {
    const { ledger, service } = setup([]);
    ledger.handle('createAsset', (c) => JSON.parse(c.args[0] ?? '{}') as unknown);
    const input = {
      id: 'LOT-9',
      product: { sku: 'S', description: 'd' },
      quantity: { amount: 1, unit: 'kg' },
      origin: { site: 's', country: 'CO' },
    };
    await service.create(carrier, input, 'async');
    expect(ledger.callsOf('createAsset')).toMatchObject([
      {
        kind: 'submitAsync',
        args: [JSON.stringify({ ...input, attributes: {}, documents: [] })],
        endorsingOrganizations: ['CarrierMSP', 'ManufacturerMSP'],
      },
    ]);
  });
});

describe('AssetsService.list', () => {
  const assets = [
    anAsset({ id: 'A1', custodian: 'CarrierMSP', status: 'IN_TRANSIT' }),
    anAsset({ id: 'A2', custodian: 'CarrierMSP', status: 'IN_TRANSIT' }),
    anAsset({ id: 'A3', custodian: 'CarrierMSP', status: 'DELIVERED' }),
    anAsset({ id: 'B1', custodian: 'RetailerMSP', status: 'IN_TRANSIT' }),
  ];

  it('pages through an index with an opaque cursor', async () => {
    const { service, ledger } = setup(assets);
    const first = await service.list(carrier, { custodian: 'CarrierMSP', limit: 2 });
    expect(first.items.map((a) => a.id)).toEqual(['A1', 'A2']);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await service.list(carrier, {
      custodian: 'CarrierMSP',
      limit: 2,
      cursor: first.nextCursor ?? '',
    });
    expect(second).toMatchObject({ items: [{ id: 'A3' }], nextCursor: null });
    expect(ledger.callsOf('listAssetsByCustodian').map((c) => c.args)).toEqual([
      ['CarrierMSP', '2', ''],
      ['CarrierMSP', '2', 'A3'],
    ]);
  });

  it('uses the most selective index and filters the page by the other filters', async () => {
    const { service, ledger } = setup(assets);
    const page = await service.list(carrier, { status: 'IN_TRANSIT', custodian: 'CarrierMSP' });
    expect(page.items.map((a) => a.id)).toEqual(['A1', 'A2']);
    expect(ledger.callsOf('listAssetsByCustodian')).toHaveLength(1);
    expect(ledger.callsOf('listAssetsByStatus')).toHaveLength(0);
  });

  it('answers a query without a ledger filter from the read model; needs a cursor from the same query', async () => {
    const { service, ledger } = setup(assets);
    // No read model on this service: the query went there, not to the ledger.
    await expect(service.list(carrier, {})).rejects.toMatchObject({ code: 'EVENTS_DISABLED' });
    expect(ledger.calls).toHaveLength(0);
    const first = await service.list(carrier, { custodian: 'CarrierMSP', limit: 1 });
    const error = await service
      .list(carrier, { custodian: 'RetailerMSP', cursor: first.nextCursor ?? '' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProblemException);
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', extensions: { errors: [{ field: 'cursor' }] } });
    await expect(service.list(carrier, { owner: 'ManufacturerMSP', cursor: '%%%' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });
});
